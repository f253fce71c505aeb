"""course_utils.models.ast: the from-scratch AST is transformers' ASTForAudioClassification, exactly.

Parity tolerance: logits, hidden states and attention weights within 1e-5
(absolute and relative) of transformers on CPU in float32, for several random
configs (strides, lengths, mel bins, heads, activations, eps, biases).
"""

from __future__ import annotations

import pytest
import transformers
import torch
import torch.nn.functional as F
from packaging import version
from transformers import ASTConfig, ASTFeatureExtractor, ASTForAudioClassification

from course_utils.measure import peak_memory_mib
from course_utils.models import ast as A
from course_utils.models.ast import AST, ASTClassifier, adapt_position_embeddings, patch_grid
from course_utils.checkpoints import load_classifier, save_classifier
from course_utils.train import fit

TOL = dict(atol=1e-5, rtol=1e-5)

CONFIGS = {
    "default-strides": dict(num_mel_bins=32, max_length=48),
    "no-overlap": dict(num_mel_bins=40, max_length=70, frequency_stride=16, time_stride=16, num_labels=5),
    "odd-strides": dict(num_mel_bins=24, max_length=101, frequency_stride=6, time_stride=13, num_attention_heads=2,
                        qkv_bias=False, layer_norm_eps=1e-6, hidden_act="gelu_new", num_hidden_layers=3),
    "dropout-in-config": dict(num_mel_bins=16, max_length=33, hidden_dropout_prob=0.2,
                              attention_probs_dropout_prob=0.2, time_stride=4, num_labels=1),
}


def small_config(**overrides) -> ASTConfig:
    settings = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=48, num_labels=3,
                    attn_implementation="eager")
    return ASTConfig(**{**settings, **overrides})


def random_hf_model(config: ASTConfig, seed: int = 0) -> ASTForAudioClassification:
    """A transformers AST whose every weight is random (its own init leaves tokens and
    position embeddings at zero, which would leave them untested)."""
    torch.manual_seed(seed)
    model = ASTForAudioClassification(config)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.2 * torch.randn_like(p))
    return model.eval()


def fbank_batch(config: ASTConfig, batch: int = 3, seed: int = 1) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(batch, config.max_length, config.num_mel_bins, generator=g)


# ----------------------------------------------------------------------------
# The patch grid


def test_patch_grid_of_the_audioset_model_is_12_by_101() -> None:
    config = ASTConfig()  # MIT/ast-finetuned-audioset-10-10-0.4593: 128 mel bins, 1024 frames, strides 10
    assert patch_grid(config) == (12, 101)
    assert A.num_patches(config) == 1212


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_patch_grid_matches_the_convolution_and_transformers(name: str) -> None:
    config = small_config(**CONFIGS[name])
    f, t = patch_grid(config)
    assert (f, t) == ((config.num_mel_bins - 16) // config.frequency_stride + 1,
                      (config.max_length - 16) // config.time_stride + 1)
    hf = ASTForAudioClassification(config)
    assert hf.audio_spectrogram_transformer.embeddings.get_shape(config) == (f, t)
    tokens = AST(config).patch_embed(fbank_batch(config, batch=1))
    assert tokens.shape == (1, f * t, config.hidden_size)


# ----------------------------------------------------------------------------
# Parity with transformers


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_logits_hidden_states_and_attentions_match_transformers(name: str) -> None:
    config = small_config(**CONFIGS[name])
    hf = random_hf_model(config)
    ours = A.from_transformers(hf).eval()
    x = fbank_batch(config)
    with torch.no_grad():
        expected = hf(x, output_hidden_states=True, output_attentions=True)
        expected_last = hf.audio_spectrogram_transformer(x).last_hidden_state  # after the final LayerNorm
        logits = ours(x)
        logits_with_weights, attentions = ours(x, return_attentions=True)
        encoding = ours.encode(x)
    torch.testing.assert_close(logits, expected.logits, **TOL)
    torch.testing.assert_close(logits_with_weights, expected.logits, **TOL)  # explicit softmax path = fused SDPA path
    assert len(encoding.hidden_states) == len(expected.hidden_states) == config.num_hidden_layers + 1
    torch.testing.assert_close(encoding.last_hidden_state, expected_last, **TOL)
    for mine, theirs in zip(encoding.hidden_states[:-1], expected.hidden_states[:-1]):
        torch.testing.assert_close(mine, theirs, **TOL)
    # The last entry is the output of the last block, before the final LayerNorm (as in ViT). transformers
    # 4.56-4.57 returned it after that LayerNorm, i.e. last_hidden_state (fixed by huggingface/transformers#40994).
    last = expected.hidden_states[-1]
    if torch.allclose(last, expected_last, **TOL):
        assert version.parse(transformers.__version__) < version.parse("4.58")
    else:
        torch.testing.assert_close(encoding.hidden_states[-1], last, **TOL)
    for mine, theirs in zip(attentions, expected.attentions):
        torch.testing.assert_close(mine, theirs, **TOL)


def test_parity_with_transformers_default_sdpa_attention() -> None:
    config = small_config(**CONFIGS["default-strides"], attn_implementation="sdpa")
    hf = random_hf_model(config, seed=3)
    ours = A.from_transformers(hf).eval()
    x = fbank_batch(config, batch=2)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), hf(x).logits, **TOL)


@pytest.mark.parametrize("name", ["no-overlap", "odd-strides"])
def test_export_back_gives_identical_transformers_logits(name: str) -> None:
    config = small_config(**CONFIGS[name])
    torch.manual_seed(0)
    ours = AST(config).eval()  # course init: random tokens and position embeddings too
    hf = A.to_transformers(ours).eval()
    x = fbank_batch(config)
    with torch.no_grad():
        torch.testing.assert_close(hf(x).logits, ours(x), **TOL)
    # the round trip course -> transformers -> course keeps every tensor bit for bit
    back = A.from_transformers(hf)
    for key, value in ours.state_dict().items():
        assert torch.equal(back.state_dict()[key], value), key


def test_transformers_v4_key_names_load_too() -> None:
    """transformers < 5 and the hub checkpoints name layers `encoder.layer.N.attention.attention.query`."""
    config = small_config(**CONFIGS["default-strides"])
    hf = random_hf_model(config)
    v5 = hf.state_dict()
    ours = AST(config)
    v4 = A.to_transformers_state_dict(A.from_transformers_state_dict(v5), style="v4")
    assert "audio_spectrogram_transformer.encoder.layer.1.attention.attention.query.weight" in v4
    assert "audio_spectrogram_transformer.encoder.layer.0.output.dense.bias" in v4  # BERT's name for mlp.fc2
    assert "audio_spectrogram_transformer.encoder.layer.0.attention.output.dense.bias" in v4
    ours.load_state_dict(A.from_transformers_state_dict(v4))
    x = fbank_batch(config)
    with torch.no_grad():
        torch.testing.assert_close(ours.eval()(x), hf(x).logits, **TOL)


@pytest.mark.parametrize("attn_implementation", ["eager", "sdpa"])
def test_eval_mode_turns_dropout_off_and_train_mode_uses_it(attn_implementation: str) -> None:
    """Dropout in train mode is transformers' dropout, mask for mask: with the same seed, the same
    logits (to 1e-5, on CPU); in eval mode it is off in both."""
    config = small_config(**CONFIGS["dropout-in-config"], attn_implementation=attn_implementation)
    hf = random_hf_model(config).train()
    ours = A.from_transformers(hf)
    assert ours.training
    x = fbank_batch(config)
    with torch.no_grad():
        torch.manual_seed(0)
        a = ours(x)
        b = ours(x)  # the generator moved on: other dropout masks
        assert not torch.allclose(a, b), "dropout should make two training-mode passes differ"
        for return_attentions in (False, True):  # the fused SDPA path and the explicit-weights path
            torch.manual_seed(7)
            expected = hf(x).logits
            torch.manual_seed(7)
            out = ours(x, return_attentions=return_attentions)
            torch.testing.assert_close(out[0] if return_attentions else out, expected, **TOL)
        torch.manual_seed(7)
        train_logits = ours(x)
        ours.eval()
        hf.eval()
        eval_logits = ours(x)
        torch.testing.assert_close(eval_logits, hf(x).logits, **TOL)
        assert (eval_logits - train_logits).abs().max() > 1e-3, "eval mode should not drop anything"
        torch.manual_seed(123)  # no randomness left in eval mode: the seed does not matter
        torch.testing.assert_close(ours(x), eval_logits, atol=0, rtol=0)


def test_from_pretrained_loads_a_saved_checkpoint_offline(tmp_path) -> None:
    config = small_config(num_mel_bins=32, max_length=64, num_labels=4,
                          id2label={0: "dog", 1: "rain", 2: "siren", 3: "speech"},
                          label2id={"dog": 0, "rain": 1, "siren": 2, "speech": 3})
    hf = random_hf_model(config)
    hf.save_pretrained(tmp_path)
    extractor = ASTFeatureExtractor(num_mel_bins=32, max_length=64, mean=-3.0, std=2.5)
    extractor.save_pretrained(tmp_path)

    ours = A.from_pretrained(str(tmp_path), multi_label=True)
    assert ours.config.problem_type == A.MULTI_LABEL and not ours.training
    assert A.from_pretrained(str(tmp_path), multi_label=False).config.problem_type == A.SINGLE_LABEL
    x = fbank_batch(config)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), hf(x).logits, **TOL)

    # the whole path from waveform to logits: course features + course AST vs extractor + transformers
    clf = ASTClassifier.from_pretrained(str(tmp_path))
    assert clf.labels == ["dog", "rain", "siren", "speech"]
    assert (clf.mean, clf.std, clf.ast.config.max_length) == (-3.0, 2.5, 64)
    assert clf.features.num_frames(clf.num_samples) == 64
    g = torch.Generator().manual_seed(0)
    wave = 0.1 * torch.randn(clf.num_samples - 3000, generator=g)  # shorter than max_length: padded frames
    inputs = extractor(wave.numpy(), sampling_rate=16000, return_tensors="pt")
    padded = F.pad(wave, (0, 3000))[None]
    with torch.no_grad():
        expected = hf(inputs["input_values"]).logits
        torch.testing.assert_close(clf(padded, lengths=torch.tensor([wave.numel()])), expected, atol=1e-4, rtol=1e-4)


def test_from_pretrained_rejects_a_folder_without_a_checkpoint(tmp_path) -> None:
    with pytest.raises((OSError, ValueError)):
        A.from_pretrained(str(tmp_path))


# ----------------------------------------------------------------------------
# Position embeddings for another clip length


def test_adapt_position_embeddings_cut_keeps_the_first_columns() -> None:
    f, t, d = 3, 8, 5
    pos = torch.randn(1, 2 + f * t, d)
    short = adapt_position_embeddings(pos, (f, t), (f, 5), mode="cut")
    assert short.shape == (1, 2 + f * 5, d)
    grid = pos[0, 2:].reshape(f, t, d)
    torch.testing.assert_close(short[0, 2:].reshape(f, 5, d), grid[:, :5], atol=0, rtol=0)
    torch.testing.assert_close(short[:, :2], pos[:, :2], atol=0, rtol=0)  # [CLS] and [DIST] keep theirs
    fewer_rows = adapt_position_embeddings(pos, (f, t), (2, t), mode="cut")
    torch.testing.assert_close(fewer_rows[0, 2:].reshape(2, t, d), grid[:2], atol=0, rtol=0)


def test_adapt_position_embeddings_interpolation() -> None:
    f, t, d = 3, 8, 4
    pos = torch.randn(1, 2 + f * t, d)
    same = adapt_position_embeddings(pos, (f, t), (f, t), mode="interpolate")
    torch.testing.assert_close(same, pos, atol=0, rtol=0)  # identity
    # a longer grid is interpolated (also in "cut" mode: there is nothing to cut)
    ramp = torch.arange(t, dtype=torch.float32).repeat(f, 1)[..., None].expand(f, t, d)  # value = column index
    pos = torch.cat([torch.zeros(1, 2, d), ramp.reshape(1, f * t, d)], dim=1)
    for mode in ("cut", "interpolate"):
        long = adapt_position_embeddings(pos, (f, t), (f, 2 * t), mode=mode)
        assert long.shape == (1, 2 + f * 2 * t, d)
        cols = long[0, 2:].reshape(f, 2 * t, d)[0, :, 0]
        assert torch.all(cols[1:] >= cols[:-1]) and cols[0] == 0 and cols[-1] == t - 1  # still a ramp 0 .. t-1
    squeezed = adapt_position_embeddings(pos, (f, t), (f, 4), mode="interpolate")
    cols = squeezed[0, 2:].reshape(f, 4, d)[0, :, 0]
    torch.testing.assert_close(cols, torch.tensor([0.5, 2.5, 4.5, 6.5]))  # averages neighbours, does not cut


def test_resize_position_embeddings_adapts_the_model_to_shorter_clips() -> None:
    config = small_config(num_mel_bins=32, max_length=1024)  # 10 s, like AudioSet
    torch.manual_seed(0)
    model = AST(config).eval()
    before = model.pos_embed.detach().clone()
    model.resize_position_embeddings(max_length=100)  # 1 s clips
    assert model.config.max_length == 100 and model.grid == patch_grid(model.config) == (2, 9)
    assert model.pos_embed.shape == (1, 2 + 2 * 9, 32)
    torch.testing.assert_close(model.pos_embed[0, 2:].reshape(2, 9, 32),
                               before[0, 2:].reshape(2, 101, 32)[:, :9], atol=0, rtol=0)
    with torch.no_grad():
        assert model(torch.randn(2, 100, 32)).shape == (2, 3)
    with pytest.raises(ValueError, match=r"max_length=100,.*got \(2, 1024, 32\)"):
        model(torch.randn(2, 1024, 32))
    # resizing to the size it already has changes nothing
    x = torch.randn(2, 100, 32)
    with torch.no_grad():
        y = model(x)
        model.resize_position_embeddings(max_length=100, mode="interpolate")
        torch.testing.assert_close(model(x), y, atol=0, rtol=0)


# ----------------------------------------------------------------------------
# Single-label vs multi-label


def test_softmax_and_cross_entropy_vs_sigmoid_and_binary_cross_entropy() -> None:
    logits = torch.randn(4, 3)
    config = dict(num_mel_bins=16, hidden_size=32, num_hidden_layers=1)
    single = ASTClassifier(["a", "b", "c"], config, num_samples=4000)
    multi = ASTClassifier(["a", "b", "c"], config, num_samples=4000, multi_label=True)
    assert not single.multi_label and multi.multi_label
    assert (single.ast.config.problem_type, multi.ast.config.problem_type) == (A.SINGLE_LABEL, A.MULTI_LABEL)
    for name in ("multi_label", "probabilities", "loss"):  # the network alone has no output activation
        assert not hasattr(single.ast, name)
    torch.testing.assert_close(single.probabilities(logits).sum(-1), torch.ones(4))
    torch.testing.assert_close(multi.probabilities(logits), torch.sigmoid(logits))
    labels = torch.tensor([0, 2, 1, 1])
    torch.testing.assert_close(single.loss(logits, labels), F.cross_entropy(logits, labels))
    targets = torch.tensor([[1, 0, 1], [0, 0, 0], [1, 1, 1], [0, 1, 0]], dtype=torch.float32)
    torch.testing.assert_close(multi.loss(logits, targets), F.binary_cross_entropy_with_logits(logits, targets))
    with pytest.raises(ValueError, match="multi-hot"):
        multi.loss(logits, labels)
    with pytest.raises(ValueError, match="class indices"):
        single.loss(logits, targets.long())  # integer multi-hot: not class indices
    soft = torch.tensor([[0.7, 0.3, 0.0], [0.0, 0.0, 1.0], [0.2, 0.2, 0.6], [0.5, 0.0, 0.5]])  # e.g. after mixup
    torch.testing.assert_close(single.loss(logits, soft), F.cross_entropy(logits, soft))


# ----------------------------------------------------------------------------
# Attention weights and rollout


def test_attention_weights_and_rollout_are_distributions() -> None:
    config = small_config(num_mel_bins=32, max_length=48)
    model = AST(config).eval()
    with torch.no_grad():
        _, attentions = model(fbank_batch(config, batch=2), return_attentions=True)
    n = 2 + A.num_patches(config)
    assert len(attentions) == config.num_hidden_layers
    assert attentions[0].shape == (2, config.num_attention_heads, n, n)
    torch.testing.assert_close(attentions[0].sum(-1), torch.ones(2, config.num_attention_heads, n))
    rollout = A.attention_rollout(attentions)
    torch.testing.assert_close(rollout.sum(-1), torch.ones(2, n))
    heat = A.rollout_map(attentions, model.grid)
    assert heat.shape == (2, *model.grid) and (heat >= 0).all()
    with pytest.raises(ValueError, match="at least one"):
        A.attention_rollout([])


# ----------------------------------------------------------------------------
# Bad input -> clear errors


def test_bad_configs_and_inputs_raise_clear_errors() -> None:
    with pytest.raises(ValueError, match="not divisible"):
        AST(small_config(hidden_size=30, num_attention_heads=4))
    with pytest.raises(ValueError, match="num_mel_bins=8 is smaller"):
        patch_grid(small_config(num_mel_bins=8))
    with pytest.raises(ValueError, match="hidden_act='swishy'"):
        AST(small_config(num_mel_bins=16, max_length=16, hidden_act="swishy"))
    with pytest.raises(ValueError, match="one int"):
        AST(small_config(num_mel_bins=16, max_length=16, patch_size=[16, 16]))
    with pytest.raises(TypeError, match="ASTConfig"):
        AST({"hidden_size": 32})
    model = AST(small_config(num_mel_bins=32, max_length=48))
    with pytest.raises(ValueError, match=r"got \(2, 32, 48\)"):  # frames and mel bins swapped
        model(torch.randn(2, 32, 48))
    with pytest.raises(ValueError, match="float"):
        model(torch.zeros(2, 48, 32, dtype=torch.long))
    with pytest.raises(ValueError, match="mode must be"):
        model.resize_position_embeddings(max_length=40, mode="stretch")
    with pytest.raises(ValueError, match=r"pos_embed must be \(1, 2 \+ 2\*3"):
        adapt_position_embeddings(torch.zeros(1, 7, 4), (2, 3), (2, 2))
    with pytest.raises(ValueError, match="unexpected keys"):
        A.from_transformers_state_dict({"vit.embeddings.cls_token": torch.zeros(1)})
    with pytest.raises(ValueError, match="style"):
        A.to_transformers_state_dict(model.state_dict(), style="v3")


# ----------------------------------------------------------------------------
# The course classifier: waveforms in, logits out


def test_classifier_follows_the_convention_and_saves_and_loads(tmp_path) -> None:
    labels = ["a", "b", "c"]
    torch.manual_seed(0)
    model = ASTClassifier(labels, config=dict(num_mel_bins=32, hidden_size=32, num_hidden_layers=1),
                          num_samples=8000)
    assert (model.sample_rate, model.num_samples, model.labels) == (16000, 8000, labels)
    assert model.ast.config.max_length == 48  # fbank frames in 0.5 s: 1 + (8000 - 400) // 160
    assert model.ast.config.num_labels == 3 and model.ast.config.id2label[2] == "c"
    waves = 0.1 * torch.randn(2, 8000)
    model.eval()
    with torch.no_grad():
        logits = model(waves)
        assert logits.shape == (2, 3)
        _, attentions = model(waves, return_attentions=True)
        assert len(attentions) == 1
    save_classifier(model, tmp_path / "ast")
    loaded = load_classifier(tmp_path / "ast")
    assert type(loaded) is ASTClassifier and loaded.labels == labels
    with torch.no_grad():
        torch.testing.assert_close(loaded(waves), logits, atol=0, rtol=0)

    # resized to 0.25 s clips, then saved and loaded: still the same model
    model.resize(4000)
    assert (model.num_samples, model.ast.config.max_length, model.features.max_length) == (4000, 23, 23)
    with torch.no_grad():
        short = model(waves[:, :4000])
    save_classifier(model, tmp_path / "short")
    with torch.no_grad():
        torch.testing.assert_close(load_classifier(tmp_path / "short")(waves[:, :4000]), short, atol=0, rtol=0)
    with pytest.raises(ValueError, match="shorter than one 400-sample"):
        model.resize(300)


def test_classifier_lengths_make_padding_equal_to_a_shorter_clip() -> None:
    model = ASTClassifier(["a", "b"], config=dict(num_mel_bins=32, hidden_size=32, num_hidden_layers=1),
                          num_samples=8000).eval()
    g = torch.Generator().manual_seed(0)
    clip = 0.1 * torch.randn(5000, generator=g)
    with torch.no_grad():
        alone = model(clip[None])  # features pad the frames to max_length
        padded = model(F.pad(clip, (0, 3000))[None], lengths=torch.tensor([5000]))
    torch.testing.assert_close(padded, alone, atol=1e-6, rtol=1e-6)


def test_classifier_trains_with_fit_single_and_multi_label() -> None:
    g = torch.Generator().manual_seed(0)
    t = torch.arange(4000) / 16000
    low, high = torch.sin(2 * torch.pi * 300 * t), torch.sin(2 * torch.pi * 3000 * t)
    waves = torch.stack([low, high] * 8) * (0.5 + torch.rand(16, 1, generator=g))
    labels = torch.tensor([0, 1] * 8)
    config = dict(num_mel_bins=32, hidden_size=32, num_hidden_layers=1, intermediate_size=32)
    model = ASTClassifier(["low", "high"], config=config, num_samples=4000)
    history = fit(model, (waves, labels), (waves, labels), epochs=8, lr=3e-3, batch_size=4, device="cpu", seed=0)
    assert history.val_loss[-1] < history.val_loss[0]
    assert history.val_accuracy[-1] == 1.0

    multi = ASTClassifier(["low", "high"], config=config, num_samples=4000, multi_label=True)
    assert multi.multi_label and multi.ast.config.problem_type == A.MULTI_LABEL
    targets = F.one_hot(labels, 2).float()
    with torch.no_grad():
        before = multi.loss(multi(waves), targets).item()
    opt = torch.optim.AdamW(multi.parameters(), lr=3e-3)
    for _ in range(10):
        loss = multi.loss(multi(waves), targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < before


def test_classifier_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="at least 2 labels"):
        ASTClassifier(["only"])
    with pytest.raises(ValueError, match="shorter than one"):
        ASTClassifier(["a", "b"], num_samples=100)
    with pytest.raises(ValueError, match=r"unknown ASTConfig setting\(s\) \['num_mel_bin'\]"):
        ASTClassifier(["a", "b"], {"num_mel_bin": 32})
    with pytest.raises(TypeError, match="config must be None, a dict of overrides or a transformers.ASTConfig"):
        ASTClassifier(["a", "b"], "MIT/ast-finetuned-audioset-10-10-0.4593")
    with pytest.raises(TypeError, match="positional"):
        ASTClassifier(["a", "b"], None, 16000)  # sample_rate and the rest are keyword-only


# ----------------------------------------------------------------------------
# Cost of a forward pass


def test_peak_memory_counts_the_attention_matrices() -> None:
    config = small_config(num_mel_bins=32, max_length=400, num_hidden_layers=1)  # 2 x 39 patches
    model = AST(config).eval()
    x = fbank_batch(config, batch=1)
    n = 2 + A.num_patches(config)
    with torch.no_grad():
        fused = peak_memory_mib(lambda: model(x))
        explicit = peak_memory_mib(lambda: model(x, return_attentions=True))
    scores = config.num_attention_heads * n * n * 4 / 2**20  # one (heads, N, N) float32 matrix
    assert explicit - fused >= scores  # the kept attention weights come on top of everything the fused pass needs


def test_classifier_from_a_checkpoint_without_feature_extractor_uses_ast_defaults(tmp_path) -> None:
    config = small_config(num_mel_bins=32, max_length=64, num_labels=2)
    random_hf_model(config).save_pretrained(tmp_path)  # config.json + model.safetensors only
    clf = ASTClassifier.from_pretrained(str(tmp_path))
    assert clf.labels == ["LABEL_0", "LABEL_1"] and not clf.multi_label
    assert (clf.mean, clf.std, clf.sample_rate) == (-4.2677393, 4.5689974, 16000)
