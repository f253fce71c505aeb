"""The Wav2Vec2 conv feature encoder's frame arithmetic (course_utils.models.wav2vec2), checked
against transformers' own length formula and real model outputs, and batched frame inference."""

import pytest
import torch
from transformers import HubertConfig, Wav2Vec2Config, Wav2Vec2Model

from course_utils.inference import predict_frame_probabilities
from course_utils.models.wav2vec2 import (Wav2Vec2FrameClassifier, encoder_stride, frame_spans, hop_seconds,
                                          num_frames, receptive_field, tiny_wav2vec2_config)

CLASSES = ["speech", "dog", "bell"]


def tiny_config(**kw):
    base = dict(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
                conv_dim=(8,) * 7, num_conv_pos_embeddings=8, num_conv_pos_embedding_groups=2)
    return Wav2Vec2Config(**{**base, **kw})


def test_base_model_stride_receptive_field_and_hop():
    config = Wav2Vec2Config()  # wav2vec2-base's feature encoder
    assert encoder_stride(config) == 320
    assert receptive_field(config) == 400
    assert hop_seconds(config, 16000) == 0.02
    assert num_frames(config, 16000) == 49
    assert num_frames(config, 400) == 1
    assert HubertConfig().conv_stride and encoder_stride(HubertConfig()) == 320


def test_num_frames_matches_a_real_wav2vec2_model_output_length():
    torch.manual_seed(0)
    model = Wav2Vec2Model(tiny_config()).eval()
    lengths = [400, 401, 719, 720, 721, 1039, 1040, 3200, 16000, 16001, 16319, 16320, 16399, 16400, 24000]
    with torch.no_grad():
        for n in lengths:
            frames = model(torch.randn(1, n)).last_hidden_state.shape[1]
            assert num_frames(model.config, n) == frames, n
    many = torch.arange(400, 20000, 37)
    assert torch.equal(num_frames(model.config, many), model._get_feat_extract_output_lengths(many))


def test_num_frames_with_an_adapter_matches_transformers():
    config = tiny_config(add_adapter=True, num_adapter_layers=2, adapter_stride=2, output_hidden_size=16)
    model = Wav2Vec2Model(config).eval()
    lengths = torch.arange(400, 8000, 53)
    assert torch.equal(num_frames(config, lengths), model._get_feat_extract_output_lengths(lengths))
    assert encoder_stride(config) == 320 * 4 and receptive_field(config) == 400
    with torch.no_grad():
        assert model(torch.randn(1, 8000)).last_hidden_state.shape[1] == num_frames(config, 8000)


def test_receptive_field_is_what_the_conv_stack_sees():
    """The gradient of frame i w.r.t. the input is non-zero exactly on frame_spans(config)[i]."""
    torch.manual_seed(0)
    config = tiny_config(feat_extract_norm="layer")  # per-frame norm: no mixing across time
    encoder = Wav2Vec2Model(config).feature_extractor.double().eval()
    x = torch.randn(1, 2000, dtype=torch.float64, requires_grad=True)
    feats = encoder(x)  # (1, channels, frames)
    assert feats.shape[-1] == num_frames(config, 2000)
    spans = frame_spans(config, feats.shape[-1])
    for i in (0, 1, feats.shape[-1] - 1):
        (grad,) = torch.autograd.grad(feats[0, :, i].sum(), x, retain_graph=True)
        nonzero = torch.nonzero(grad[0]).flatten()
        assert (nonzero.min().item(), nonzero.max().item() + 1) == tuple(spans[i].tolist())


def test_short_clip_and_bad_config_raise():
    config = Wav2Vec2Config()
    with pytest.raises(ValueError, match=r"399 samples is shorter than the feature encoder's receptive field of 400"):
        num_frames(config, 399)
    with pytest.raises(ValueError, match=r"399 samples"):
        num_frames(config, torch.tensor([16000, 399]))
    with pytest.raises(ValueError, match=r"int or a 1-D integer tensor"):
        num_frames(config, 16000.0)
    with pytest.raises(TypeError, match=r"conv_kernel and conv_stride, got dict"):
        encoder_stride({"conv_stride": [5]})
    with pytest.raises(ValueError, match=r"sample_rate must be a positive int, got 0"):
        hop_seconds(config, 0)


def test_predict_frame_probabilities_batches_like_one_call():
    torch.manual_seed(0)
    model = Wav2Vec2FrameClassifier(CLASSES, tiny_wav2vec2_config(), multi_label=True).train()
    x = torch.randn(5, 4000)
    probs = predict_frame_probabilities(model, x, batch_size=2)
    assert probs.shape == (5, num_frames(model.config, 4000), 3) and model.training  # mode restored
    with torch.no_grad():
        torch.testing.assert_close(probs, torch.sigmoid(model.eval()(x)), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"waveforms must be a tensor \(batch, samples\)"):
        predict_frame_probabilities(model, x[0])
