"""The course's data: generated sounds (clips and scenes), the on-disk cache, hub loaders.

    >>> from course_utils.data import make_clip_dataset, clip_tensors, CLIP_CLASSES
    >>> ds = make_clip_dataset()                        # DatasetDict: train / validation / test
    >>> waves, lengths, targets = clip_tensors(ds["train"])  # (N, S), (N,), (N,): S = the longest clip
    >>> waves, events = scene_tensors(make_scene_dataset()["train"])  # (N, 80000), N lists of events
    >>> ds = load_real("instruments")                   # recorded sounds, same shape (see REAL_SETS)
    >>> ds = load_data("instruments")                   # the notebooks' one DATA setting (see DATA_CHOICES)

Modules: `synth` (the DSP), `clips` (ten clip classes), `scenes` (long
recordings with timed events and two speakers), `cache` (WAV + metadata
folders that `datasets.load_dataset("audiofolder")` reads), `hub` (ESC-50 and
Speech Commands for learners who are online), `tables` (arrays <-> Arrow),
`real` (the recorded sets shipped in data/real/, downloaded where the
repository is not on disk), `choose` (the notebooks' `DATA` setting: one
name for any of them, or a folder of your own).
Dependencies point one way: `tables` and `synth` know nothing of the clip
set; `clips` and `scenes` build on them; `cache` on all of them. The
average-spectrum baseline, which uses features and a classifier, is
`course_utils.baseline`.
"""

from .clips import (CLIP_CLASSES, CLIP_DESCRIPTIONS, CLIP_SECONDS, GENERATOR_VERSION, MIN_SAMPLE_RATE,
                    ORDER_PAIRS, PITCH_PAIRS, make_clip, make_clip_dataset)
from .scenes import SCENE_CLASSES, SPEAKER_CLASSES, make_scene, make_scene_dataset
from .tables import clip_tensors, per_class_subset, scene_tensors, select_classes
from .cache import clip_folder, load_audiofolder, save_audiofolder, scene_folder
from .real import REAL_SETS, load_real
from .choose import DATA_CHOICES, HUB_SETS, ensure_splits, load_data

__all__ = ["CLIP_CLASSES", "CLIP_DESCRIPTIONS", "CLIP_SECONDS", "GENERATOR_VERSION", "MIN_SAMPLE_RATE",
           "ORDER_PAIRS", "PITCH_PAIRS", "make_clip", "make_clip_dataset",
           "clip_tensors", "per_class_subset", "scene_tensors", "select_classes",
           "SCENE_CLASSES", "SPEAKER_CLASSES", "make_scene", "make_scene_dataset",
           "clip_folder", "scene_folder", "save_audiofolder", "load_audiofolder", "REAL_SETS", "load_real",
           "DATA_CHOICES", "HUB_SETS", "ensure_splits", "load_data"]
