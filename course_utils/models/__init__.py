"""The course's classifiers, and the one contract they all follow.

Every course classifier (`SpectrogramCNN`, `ImageModelClassifier`, `ASTClassifier`,
`Wav2Vec2Classifier`, `Wav2Vec2FrameClassifier`, and anything added later) is an
`nn.Module` that takes waveforms and returns logits. The front-end (log-mel,
Kaldi fbank, or none for Wav2Vec2) lives *inside* the model, so training,
evaluation, inference and checkpoints only ever see audio:

    model = Model(labels, config=None, *, sample_rate=16000, num_samples=16000, multi_label=False)

        labels       class names, in logit order
        config       None (the course's small default), a dict of overrides of that default,
                     or the library's own config object where there is one (ASTConfig, Wav2Vec2Config)
        sample_rate  the rate the model's front-end expects
        num_samples  the clip length the model is built for (shorter clips are zero-padded,
                     longer ones are cut or windowed by course_utils.inference)
        multi_label  False: one class per clip (softmax); True: any number (sigmoid)

    logits = model(waveforms, lengths=None)
        waveforms  (B, S) float, mono, at model.sample_rate
        lengths    (B,) true number of samples of each clip (the rest is padding), or None
        logits     (B, C) for clip classifiers; (B, T, C) for frame classifiers (one row per encoder frame)

    model.labels, model.sample_rate, model.num_samples, model.multi_label   (and model.num_classes)
    model.probabilities(logits)    softmax or sigmoid, whichever matches multi_label
    model.loss(logits, targets)    cross-entropy on class indices (B,), or BCE on multi-hot (B, C)

`course_utils.models.base.Classifier` implements the shared part once.
`course_utils.train` (fit / evaluate), `course_utils.inference` (predict,
long audio) and `course_utils.checkpoints` (save / load; AST and Wav2Vec2
folders that transformers' `from_pretrained` and `pipeline` read) rely on
nothing else. The models do not import the training code.

    cnn.py        SpectrogramCNN, and an image model with its head swapped
    ast.py        the Audio Spectrogram Transformer, from patches up
    heads.py      pooling, sequence and frame heads for any encoder's hidden states
    wav2vec2.py   transformers' Wav2Vec2 encoder + the course heads; the conv encoder's frame arithmetic
"""

from course_utils.models.base import Classifier, count_parameters

__all__ = ["Classifier", "count_parameters"]
