"""course_utils: the real implementations behind the audio classification course.

One module per idea; the notebooks import from here and never copy code:

    env         device (cuda -> mps -> cpu), seeding, `doctor`
    notebook    Colab badge and setup cell, `record_result` for `make course`
    audio       load / save / resample / validate audio (soundfile, no FFmpeg)
    data        the course's generated sounds, scenes with events, hub loaders
    features    STFT, mel filterbank, log-mel, Kaldi fbank (AST input) in torch, step by step
    fast_features  the same numbers, fast: the models' LogMel and ASTFeatures layers
    frames      events <-> frame labels, class balance of frame labels
    postprocess frame probabilities -> clean segments (median filter, hysteresis, gaps, durations)
    metrics     clip, frame, event and diarization metrics
    vad         Silero's voice-activity detector as a plain torch module (a production VAD to compare with)
    models      the classifier contract; cnn, ast, heads (pooling, sequence and frame heads), wav2vec2
    augment     waveform and spectrogram augmentations
    train       fit / evaluate for every course classifier
    inference   predict one clip; sliding windows and chunks for recordings of any length
    checkpoints save / load classifiers (transformers folders for AST and Wav2Vec2)
    measure     peak memory and latency of a call, one instrument for notebooks and benchmarks
    baseline    time-averaged log-mel + a linear probe: the bar every model must clear
    compare     the CNN / AST / Wav2Vec2 comparison behind notebook 08, and any comparison over seeds
    seeds       mean ± std over seeds and the z > 2 rule
    exercises   the notebooks' exercise checks: what is right, what is wrong, a hint
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
