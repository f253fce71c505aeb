"""The online track's checkpoints, offline: folders in the hub's format with the real models' configs.

Notebooks 04, 05 and 09 load three hub checkpoints when ONLINE is on:

    MIT/ast-finetuned-audioset-10-10-0.4593   ASTForAudioClassification, 527 AudioSet labels (multi-label),
                                              128 mel bins x 1024 frames, strides 10, D = 768
    facebook/wav2vec2-base                    Wav2Vec2ForPreTraining: an encoder with no classifier head
    superb/wav2vec2-base-superb-ks            Wav2Vec2ForSequenceClassification, 12 keywords, weighted
                                              layer sum, a 256-d projector, then the classifier

Each fixture writes what `save_pretrained` writes for that model (config.json, model.safetensors,
preprocessor_config.json) with the real config, except `num_hidden_layers = 1` (a 12-layer model
would write ~360 MB per test) and placeholder names for AudioSet's 527 labels. The course's
`from_pretrained` and transformers' `pipeline` then run the same code paths as online.
"""

from __future__ import annotations

import pytest
import torch
import transformers
from transformers import (ASTConfig, ASTFeatureExtractor, ASTForAudioClassification, Wav2Vec2Config,
                          Wav2Vec2FeatureExtractor, Wav2Vec2ForPreTraining, Wav2Vec2ForSequenceClassification)

from course_utils.checkpoints import load_classifier, save_classifier
from course_utils.inference import predict
from course_utils.models.ast import ASTClassifier
from course_utils.models.wav2vec2 import Wav2Vec2Classifier

SR = 16000
KEYWORDS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go", "_silence_", "_unknown_"]
PIPELINE_ATOL = 1e-4  # as in test_checkpoints: transformers' extractor + model vs the course front-end + model


def _perturb(model: torch.nn.Module, seed: int, scale: float = 0.05) -> torch.nn.Module:
    """Random weights far from the initialisation, so a wrong label order or activation shows."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(scale * torch.randn(p.shape, generator=g))
    return model.eval()


def _base_config(**overrides) -> Wav2Vec2Config:
    """facebook/wav2vec2-base's config: group-norm conv feature encoder without bias, post-LayerNorm."""
    settings = dict(feat_extract_norm="group", conv_bias=False, do_stable_layer_norm=False,
                    feat_extract_activation="gelu", hidden_size=768, intermediate_size=3072,
                    num_attention_heads=12, num_conv_pos_embeddings=128, num_conv_pos_embedding_groups=16,
                    mask_time_prob=0.05, num_hidden_layers=1)
    return Wav2Vec2Config(**{**settings, **overrides})


@pytest.fixture(scope="module")
def audioset_ast(tmp_path_factory):
    torch.manual_seed(0)
    config = ASTConfig(num_hidden_layers=1, num_labels=527,  # every other setting: ASTConfig's defaults = the real model's
                       id2label={i: f"audioset_{i}" for i in range(527)},
                       label2id={f"audioset_{i}": i for i in range(527)})
    folder = tmp_path_factory.mktemp("ast-finetuned-audioset")
    model = _perturb(ASTForAudioClassification(config), seed=1)
    model.save_pretrained(folder)
    ASTFeatureExtractor().save_pretrained(folder)  # mean -4.27, std 4.57, 1024 frames, 128 bins: the model's
    return folder, model


@pytest.fixture(scope="module")
def wav2vec2_base(tmp_path_factory):
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("wav2vec2-base")
    model = Wav2Vec2ForPreTraining(_base_config(architectures=["Wav2Vec2ForPreTraining"])).eval()
    model.save_pretrained(folder)
    Wav2Vec2FeatureExtractor(do_normalize=True, return_attention_mask=False).save_pretrained(folder)
    return folder, model


@pytest.fixture(scope="module")
def superb_ks(tmp_path_factory):
    torch.manual_seed(0)
    config = _base_config(use_weighted_layer_sum=True, classifier_proj_size=256, num_labels=len(KEYWORDS),
                          id2label=dict(enumerate(KEYWORDS)), label2id={k: i for i, k in enumerate(KEYWORDS)},
                          architectures=["Wav2Vec2ForSequenceClassification"])
    folder = tmp_path_factory.mktemp("wav2vec2-base-superb-ks")
    model = _perturb(Wav2Vec2ForSequenceClassification(config), seed=2)
    model.save_pretrained(folder)
    Wav2Vec2FeatureExtractor(do_normalize=True, return_attention_mask=False).save_pretrained(folder)
    return folder, model


def _clip(seconds: float, seed: int = 0) -> torch.Tensor:
    return 0.1 * torch.randn(int(seconds * SR), generator=torch.Generator().manual_seed(seed))


def test_the_audioset_ast_loads_as_a_multi_label_classifier_and_matches_transformers(audioset_ast):
    folder, hf = audioset_ast
    model = ASTClassifier.from_pretrained(folder, multi_label=True)
    assert len(model.labels) == 527 and model.labels[:2] == ["audioset_0", "audioset_1"] and model.multi_label
    assert model.num_samples >= int(10.0 * SR)  # 1024 frames of 10 ms: AudioSet's 10-s clips
    wave = _clip(10.0, seed=3)
    probs = predict(model, wave)                                            # (527,) sigmoid scores
    with torch.no_grad():
        features = ASTFeatureExtractor()(wave.numpy(), sampling_rate=SR, return_tensors="pt")
        expected = hf(**features).logits[0].sigmoid()                      # (527,)
    torch.testing.assert_close(probs, expected, atol=PIPELINE_ATOL, rtol=0)
    assert abs(float(probs.sum()) - 1) > 0.05  # each label its own yes/no, not a softmax


def test_the_audioset_ast_fine_tunes_with_a_fresh_head_and_keeps_its_encoder(audioset_ast):
    folder, hf = audioset_ast
    model = ASTClassifier.from_pretrained(folder, labels=["dog", "rain", "siren"])
    assert model.labels == ["dog", "rain", "siren"] and not model.multi_label
    with torch.no_grad():
        out = model(_clip(1.0)[None])                                       # (1, 3)
    assert out.shape == (1, 3)
    patch = hf.audio_spectrogram_transformer.embeddings.patch_embeddings.projection.weight
    ours = [p for n, p in model.named_parameters() if p.shape == patch.shape]
    assert ours and any(torch.equal(p, patch) for p in ours)  # the pretrained patch projection came along


def test_the_audioset_ast_runs_through_pipeline_like_predict(audioset_ast):
    folder, _ = audioset_ast
    wave = _clip(4.0, seed=4)
    pipe = transformers.pipeline("audio-classification", model=str(folder), top_k=None, device="cpu")
    out = pipe(wave.numpy(), function_to_apply="sigmoid")[:5]  # every label, best first
    probs = predict(ASTClassifier.from_pretrained(folder, multi_label=True), wave)
    top = probs.topk(5)
    assert [d["label"] for d in out] == [f"audioset_{i}" for i in top.indices.tolist()]
    torch.testing.assert_close(torch.tensor([d["score"] for d in out]), top.values, atol=PIPELINE_ATOL, rtol=0)


def test_wav2vec2_base_needs_labels_and_gives_its_encoder_to_a_new_head(wav2vec2_base, tmp_path):
    folder, hf = wav2vec2_base
    with pytest.raises(ValueError, match="pass labels="):
        Wav2Vec2Classifier.from_pretrained(folder)
    model = Wav2Vec2Classifier.from_pretrained(folder, labels=["en", "fr", "es"])
    assert model.labels == ["en", "fr", "es"] and model.sample_rate == SR
    encoder = hf.wav2vec2.state_dict()
    ours = model.state_dict()
    shared = [k for k in ours if k.split(".", 1)[-1] in encoder and ours[k].shape == encoder[k.split(".", 1)[-1]].shape]
    assert len(shared) >= len(encoder) - 2  # the whole encoder (the masked-time embedding may stay behind)
    for k in shared:
        torch.testing.assert_close(ours[k], encoder[k.split(".", 1)[-1]], atol=0, rtol=0)
    with torch.no_grad():
        assert model(_clip(1.0)[None]).shape == (1, 3)
    saved = load_classifier(save_classifier(model, tmp_path / "fine-tuned"))  # and the result saves like any other
    with torch.no_grad():
        torch.testing.assert_close(saved(_clip(1.0, 5)[None]), model.eval()(_clip(1.0, 5)[None]), atol=1e-6, rtol=0)


def test_superb_keyword_spotter_predicts_like_pipeline(superb_ks):
    folder, hf = superb_ks
    model = Wav2Vec2Classifier.from_pretrained(folder)
    assert model.labels == KEYWORDS
    wave = _clip(1.0, seed=6)
    probs = predict(model, wave)                                            # (12,) softmax
    pipe = transformers.pipeline("audio-classification", model=str(folder), top_k=None, device="cpu")
    out = pipe(wave.numpy(), function_to_apply="softmax")
    scores = torch.tensor([{d["label"]: d["score"] for d in out}[k] for k in KEYWORDS])
    torch.testing.assert_close(scores, probs, atol=PIPELINE_ATOL, rtol=0)
    assert out[0]["label"] == KEYWORDS[int(probs.argmax())]
    assert float(probs.max() - probs.min()) > 0.01  # not uniform: the label order is tested
