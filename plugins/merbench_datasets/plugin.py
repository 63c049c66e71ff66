"""Registers merbench's first-party datasets."""

from __future__ import annotations

from merbench.api import (
    DatasetMeta,
    DatasetRegistry,
    LongVideoMeta,
    LongVideoRegistry,
    ProtocolMeta,
    ProtocolRegistry,
    hookimpl,
)

SYNTHETIC = DatasetMeta(
    name="synthetic",
    version=1,
    description="Generated faces with class-specific action-unit motion, in the composite's format",
    citation="merbench (generated; see merbench_datasets.synthetic)",
    license="MIT",
    provides=("flow_uvos", "landmarks68"),
    official_fingerprint="a5d0252206955d86",  # generated, the same list everywhere
    generated=True,  # motion fields of a landmark layout: no face is in it
)

COMPOSITE = DatasetMeta(
    name="composite",
    version=1,
    description="MEGC2019 3-class composite (SMIC, CASME II, SAMM; 442 samples, 68 subjects), "
                "preprocessed release",
    citation="MEGC2019, https://facial-micro-expressiongc.github.io/MEGC2019/",
    license="CASME II, SAMM and SMIC research licences (data not shipped; bring your own)",
    databases=("casme2", "samm", "smic"),
    provides=("flow_uvos", "apex_face"),
    official_fingerprint="10942fea054ada2b",  # data/megc2019_composite_3class_gt.csv
)


RAW_LICENCE = "{}'s research licence (data and coding sheet not shipped; bring your own)"
RAW_SOURCES = ("onset_frame", "apex_frame")

CASME2 = DatasetMeta(
    name="casme2",
    version=1,
    description="CASME II from its frames and coding sheet; classes=5 (default) or 3 "
                "(composite mapping)",
    citation="Yan et al., CASME II, PLoS ONE 2014, http://casme.psych.ac.cn/casme/e2",
    license=RAW_LICENCE.format("CASME II"),
    databases=("casme2",),
    provides=RAW_SOURCES,
)

SAMM = DatasetMeta(
    name="samm",
    version=1,
    description="SAMM from its frames and FACS coding sheet; classes=5 (default) or 3 "
                "(composite mapping)",
    citation="Davison et al., SAMM, IEEE TAFFC 2018, "
             "https://helward.mmu.ac.uk/STAFF/M.Yap/dataset.php",
    license=RAW_LICENCE.format("SAMM"),
    databases=("samm",),
    provides=RAW_SOURCES,
)

SMIC = DatasetMeta(
    name="smic",
    version=1,
    description="SMIC-HS from its frame folders, 3 classes; apex from apex_sheet or the "
                "middle frame",
    citation="Li et al., SMIC, IEEE FG 2013, https://www.oulu.fi/en/university/faculties-"
             "and-units/faculty-information-technology-and-electrical-engineering/"
             "center-for-machine-vision-and-signal-analysis",
    license=RAW_LICENCE.format("SMIC"),
    databases=("smic",),
    provides=RAW_SOURCES,
)

CASME3 = DatasetMeta(
    name="casme3",
    version=1,
    description="CAS(ME)^3 Part A micro-expressions from frames and label sheet; classes=7 "
                "(default), 4 or 3",
    citation="Li et al., CAS(ME)^3, IEEE TPAMI 2022, http://casme.psych.ac.cn/casme/e4",
    license=RAW_LICENCE.format("CAS(ME)^3"),
    databases=("casme3",),
    provides=RAW_SOURCES,
)

CASME = DatasetMeta(
    name="casme",
    version=2,  # 3 classes: repression is negative
    description="CASME (I) from its frames and coding sheet; classes=8 (default) or 3",
    citation="Yan et al., CASME, IEEE FG 2013, http://casme.psych.ac.cn/casme/e1",
    license=RAW_LICENCE.format("CASME"),
    databases=("casme",),
    provides=RAW_SOURCES,
)

FOURDME = DatasetMeta(
    name="4dme",
    version=2,  # 3 classes: repression is negative
    description="4DME micro-expressions from grey frames and labelling sheet; classes=5 "
                "(default) or 3",
    citation="Li et al., 4DME: a spontaneous 4D micro-expression dataset with multimodalities, "
             "IEEE TAFFC 2022",
    license=RAW_LICENCE.format("4DME"),
    databases=("4dme",),
    provides=RAW_SOURCES,
)

MMEW = DatasetMeta(
    name="mmew",
    version=1,
    description="MMEW micro-expressions from frames and coding sheet; classes=7 (default) or 3",
    citation="Ben et al., Video-based facial micro-expression analysis: a survey of datasets, "
             "features and algorithms (MMEW), IEEE TPAMI 2021",
    license=RAW_LICENCE.format("MMEW"),
    databases=("mmew",),
    provides=RAW_SOURCES,
)

CASME3C = DatasetMeta(
    name="casme3c",
    version=1,
    description="CAS(ME)^3 Part C micro-expressions from frames and label sheet (apex: the "
                "middle frame); classes=7 (default), 4 or 3",
    citation="Li et al., CAS(ME)^3, IEEE TPAMI 2022, http://casme.psych.ac.cn/casme/e4",
    license=RAW_LICENCE.format("CAS(ME)^3"),
    databases=("casme3c",),
    provides=RAW_SOURCES,
)

MEGC2019 = DatasetMeta(
    name="megc2019",
    version=1,
    description="MEGC2019 3-class composite (442 samples) built from raw CASME II, SAMM and "
                "SMIC-HS frames",
    citation="MEGC2019, https://facial-micro-expressiongc.github.io/MEGC2019/",
    license="CASME II, SAMM and SMIC research licences (data not shipped; bring your own)",
    databases=("casme2", "samm", "smic"),
    provides=RAW_SOURCES,
)

FRAME_PAIRS = DatasetMeta(
    name="frame-pairs",
    version=1,
    description="onset / apex pairs as two-frame GIFs named {sub}_{clip}.gif, unlabelled: "
                "for merbench export --compare against a release",
    citation="merbench (merbench_datasets.framepairs)",
    license="the frames' own (none shipped)",
    provides=RAW_SOURCES,
)


# Long videos, for spotting (docs/raw-databases.md#long-videos-for-spotting)
SYNTHETIC_LONG = LongVideoMeta(
    name="synthetic-long",
    version=1,
    description="Generated face-like long videos (64x64, 30 fps) with planted micro- and "
                "macro-expressions, blinks and head drift; exact ground truth",
    citation="merbench (generated; see merbench_datasets.synthetic_long)",
    license="MIT",
    fps=30.0,
    blinks=True,
    emotions=True,
)

USER_VIDEO = LongVideoMeta(
    name="video",
    version=1,
    description="One unlabelled video of your own (--dataset-opt path=FILE_OR_FOLDER, fps=N), "
                "read as the aligned face of its first frame, for merbench predict",
    citation="merbench (see merbench_datasets.user_video)",
    license="MIT",
    fps=None,
    ground_truth=False,
)

CASME3_LONG = LongVideoMeta(
    name="casme3-long",
    version=2,
    description="CAS(ME)^3 Part A long videos: 3,346 macro and 860 micro intervals, 841 "
                "blinks (casme3_part_A_v2.xls), 30 fps; frames read as the aligned face",
    citation="Li et al., CAS(ME)^3, IEEE TPAMI 2022, http://casme.psych.ac.cn/casme/e4",
    license=RAW_LICENCE.format("CAS(ME)^3"),
    fps=30.0,
    blinks=True,
    emotions=True,
)

CASME_SQ_LONG = LongVideoMeta(
    name="casme-sq-long",
    version=2,
    description="CAS(ME)^2 long videos (rawpic/) with macro and micro intervals from "
                "CAS(ME)^2code_final.xlsx, 30 fps; frames read as the aligned face",
    citation="Qu et al., CAS(ME)^2, IEEE TAFFC 2018, http://casme.psych.ac.cn/casme/e3",
    license=RAW_LICENCE.format("CAS(ME)^2"),
    fps=30.0,
    emotions=True,
)

SAMM_LONG = LongVideoMeta(
    name="samm-long",
    version=2,
    description="SAMM Long Videos (SAMM_longvideos/) with macro and micro intervals from "
                "SAMM_LongVideos_V3_Release.xlsx, 200 fps; frames read as the aligned face",
    citation="Yap et al., SAMM Long Videos, IEEE FG 2020, "
             "https://helward.mmu.ac.uk/STAFF/M.Yap/dataset.php",
    license=RAW_LICENCE.format("SAMM Long Videos"),
    fps=200.0,
    emotions=True,
)


HSTA_FOLDS = ProtocolMeta(
    name="casme3-hsta-5fold",
    version=1,
    description="CAS(ME)^3 Part A in HSTA's released 5 folds (NOT subject-independent: a "
                "subject's samples are in several folds); --protocol-opt folds=PATH",
    citation="Hao et al., Hierarchical space-time attention for micro-expression "
             "recognition, https://arxiv.org/abs/2405.03202; folds: "
             "https://github.com/OceanSummerDay/HSTA_MER",
    required_options=("folds",),
    subject_independent=False,
    datasets=("casme3",),
)


# a raw database's run records its subjects as its sheet names them: a benchmark definition
# in another spelling of them is matched through the run's names
_RECORDED = "merbench_datasets.rawframes:recorded_spelling"
# a class set or frame tree none of the database's, refused where options are checked (a
# definition too)
_CLASSES = "merbench_datasets.class_choice:check_choices"


@hookimpl
def merbench_register_datasets(registry: DatasetRegistry) -> None:
    # its values checked where options are (a sweep's later entry, before any trains)
    registry.add(SYNTHETIC, "merbench_datasets.synthetic:make_synthetic",
                 option_check="merbench_datasets.synthetic_options:check_synthetic")
    registry.add(COMPOSITE, "merbench_datasets.composite:make_composite")
    # The raw databases: subjects recorded as their sheets spell them; class sets checked
    # and frame trees checked where a database takes those options (MEGC2019 has its three
    # classes only, and casme2_frames).
    for meta, factory, check in (
            (CASME2, "casme2:make_casme2", _CLASSES), (SAMM, "samm:make_samm", _CLASSES),
            (SMIC, "smic:make_smic", _CLASSES), (CASME3, "casme3:make_casme3", _CLASSES),
            (MEGC2019, "megc2019:make_megc2019", _CLASSES), (CASME, "casme1:make_casme", _CLASSES),
            (FOURDME, "fourdme:make_fourdme", _CLASSES), (MMEW, "mmew:make_mmew", _CLASSES),
            (CASME3C, "casme3c:make_casme3c", _CLASSES)):
        registry.add(meta, f"merbench_datasets.{factory}", recorded_spelling=_RECORDED,
                     option_check=check)
    registry.add(FRAME_PAIRS, "merbench_datasets.framepairs:make_frame_pairs")


@hookimpl
def merbench_register_long_videos(registry: LongVideoRegistry) -> None:
    registry.add(SYNTHETIC_LONG, "merbench_datasets.synthetic_long:make_synthetic_long")
    registry.add(CASME3_LONG, "merbench_datasets.casme3_long:make_casme3_long")
    registry.add(CASME_SQ_LONG, "merbench_datasets.casme_sq_long:make_casme_sq_long")
    registry.add(SAMM_LONG, "merbench_datasets.samm_long:make_samm_long")
    registry.add(USER_VIDEO, "merbench_datasets.user_video:make_user_video")


@hookimpl
def merbench_register_protocols(registry: ProtocolRegistry) -> None:
    from merbench_datasets.protocols import per_database

    for meta, factory in per_database():
        registry.add(meta, factory)
    registry.add(HSTA_FOLDS, "merbench_datasets.hsta_folds:build_hsta_folds")
