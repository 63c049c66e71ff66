"""Registers the handcrafted features and their SVM models; imports nothing heavy.

``biwoof`` reads raw onset and apex frames, ``lbptop`` and ``mdmo`` the frames of each clip from
onset to offset (the raw-database datasets, whose sample tables name the clip folder); the
``*-release`` /
``*-apex`` names are variants for the public composite release (28x28 flow images and apex
faces only), not the published descriptors: see each description.
"""

from __future__ import annotations

from merbench.api import FeatureMeta, FeatureRegistry, ModelMeta, ModelRegistry, hookimpl

BIWOOF_CITATION = ("Liong et al., Less is more: micro-expression recognition from video using "
                   "apex frame, Signal Processing: Image Communication 62, 2018, "
                   "https://doi.org/10.1016/j.image.2017.11.006")
LBP_CITATION = ("Ojala, Pietikäinen & Mäenpää, Multiresolution gray-scale and rotation invariant "
                "texture classification with local binary patterns, TPAMI 24(7), 2002; "
                "LBP-TOP: Zhao & Pietikäinen, TPAMI 29(6), 2007, "
                "https://doi.org/10.1109/TPAMI.2007.1110")
MDMO_CITATION = ("Liu et al., A main directional mean optical flow feature for spontaneous "
                 "micro-expression recognition, IEEE Trans. Affective Computing 7(4), 2016, "
                 "https://doi.org/10.1109/TAFFC.2015.2485205")
SVM_CITATION = ("linear SVM (scikit-learn SVC, libsvm) with C chosen per fold by GroupKFold over "
                "the training subjects; https://scikit-learn.org/stable/modules/svm.html")

BIWOOF_RELEASE = FeatureMeta(
    name="biwoof-release",
    version=1,
    description="Bi-WOOF variant on the release's min-max scaled 28x28 flow image, not the "
                "original TV-L1 Bi-WOOF (5x5 blocks x 8 bins, L2-normalised)",
    citation=BIWOOF_CITATION,
    needs=("flow_uvos",),
    shape=(200,),
)

LBP_APEX = FeatureMeta(
    name="lbp-apex",
    version=1,
    description="Uniform LBP (8 neighbours, radius 3, 59 bins) of the apex face alone, 112x112 "
                "grey, 8x8 blocks; a variant for the release, not LBP-TOP",
    citation=LBP_CITATION,
    needs=("apex_face",),
    shape=(64 * 59,),
)

BIWOOF = FeatureMeta(
    name="biwoof",
    version=1,
    description="Bi-WOOF from raw onset/apex frames: tvl1-uvos's aligned face and TV-L1 flow, "
                "5x5 blocks x 8 equal bins, L2-normalised",
    citation=BIWOOF_CITATION,
    needs=("onset_frame", "apex_frame"),
    shape=(200,),
)

LBPTOP = FeatureMeta(
    name="lbptop",
    version=1,
    description="LBP-TOP of the raw clip (onset to offset): aligned 112x112 grey faces "
                "interpolated to 10 frames, 8x8 blocks, uniform LBP (59 bins) at radius 3 on the "
                "XY, XT and YT planes",
    citation=LBP_CITATION,
    needs=("onset_frame",),
    shape=(64 * 3 * 59,),
)

MDMO = FeatureMeta(
    name="mdmo",
    version=1,
    description="MDMO of the raw clip: Farneback flow from the onset face to up to 29 later "
                "faces, 36 landmark-centred ROIs (an approximation of the original partition), "
                "dominant-direction mean magnitude and angle",
    citation=MDMO_CITATION,
    needs=("onset_frame",),
    shape=(72,),
)

BIWOOF_SVM = ModelMeta(
    name="biwoof-svm",
    version=1,
    description="Linear SVM on biwoof (Bi-WOOF of the raw frames' TV-L1 flow); C picked on "
                "training subjects",
    citation=f"{BIWOOF_CITATION}; {SVM_CITATION}",
    feature="biwoof",
    kind="sklearn",
)

BIWOOF_RELEASE_SVM = ModelMeta(
    name="biwoof-release-svm",
    version=1,
    description="Linear SVM on biwoof-release (Bi-WOOF of the released flow image, not the "
                "original); C picked on training subjects",
    citation=f"{BIWOOF_CITATION}; {SVM_CITATION}",
    feature="biwoof-release",
    kind="sklearn",
)

LBP_APEX_SVM = ModelMeta(
    name="lbp-apex-svm",
    version=1,
    description="Linear SVM on standardised lbp-apex (LBP of the apex face only, not LBP-TOP); "
                "C picked on training subjects",
    citation=f"{LBP_CITATION}; {SVM_CITATION}",
    feature="lbp-apex",
    kind="sklearn",
)


LBPTOP_SVM = ModelMeta(
    name="lbptop-svm",
    version=1,
    description="Linear SVM on standardised lbptop (LBP-TOP of the raw clip); C picked on "
                "training subjects",
    citation=f"{LBP_CITATION}; {SVM_CITATION}",
    feature="lbptop",
    kind="sklearn",
)

MDMO_SVM = ModelMeta(
    name="mdmo-svm",
    version=1,
    description="Linear SVM on standardised mdmo (MDMO of the raw clip's Farneback flow); "
                "C picked on training subjects",
    citation=f"{MDMO_CITATION}; {SVM_CITATION}",
    feature="mdmo",
    kind="sklearn",
)


@hookimpl
def merbench_register_features(registry: FeatureRegistry) -> None:
    registry.add(BIWOOF, "merbench_handcrafted.biwoof_raw:build_biwoof")
    registry.add(BIWOOF_RELEASE, "merbench_handcrafted.biwoof_release:build_biwoof_release")
    registry.add(LBP_APEX, "merbench_handcrafted.lbp_apex:build_lbp_apex")
    registry.add(LBPTOP, "merbench_handcrafted.lbptop:build_lbptop")
    registry.add(MDMO, "merbench_handcrafted.mdmo:build_mdmo")


@hookimpl
def merbench_register_models(registry: ModelRegistry) -> None:
    registry.add(BIWOOF_SVM, "merbench_handcrafted.svm:build_biwoof_svm")
    registry.add(BIWOOF_RELEASE_SVM, "merbench_handcrafted.svm:build_biwoof_svm")
    registry.add(LBP_APEX_SVM, "merbench_handcrafted.svm:build_lbp_svm")
    registry.add(LBPTOP_SVM, "merbench_handcrafted.svm:build_lbp_svm")
    registry.add(MDMO_SVM, "merbench_handcrafted.svm:build_mdmo_svm")
