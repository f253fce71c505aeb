"""course_utils: the real implementations behind the audio classification course.

One module per idea; the notebooks import from here and never copy code:

    env         device (cuda -> mps -> cpu), seeding, Colab, `doctor`
    notebook    Colab badge and setup cell, `record_result` for `make course`
    audio       load / save / resample / validate audio (soundfile, no FFmpeg)
    data        the course's generated sounds, scenes with events, hub loaders
    features    STFT, mel filterbank, log-mel, Kaldi fbank (AST input) in torch
    frames      events <-> frame labels, receptive fields, post-processing
    models      cnn, ast, heads (pooling, sequence and frame heads)
    augment     waveform and spectrogram augmentations
    train       fit / evaluate / predict, checkpoints
    longaudio   sliding-window and chunked inference on recordings of any length
    compare     the CNN / AST / Wav2Vec2 comparison behind notebook 08
"""

__version__ = "0.1.0"
