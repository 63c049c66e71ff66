"""Registers merbench's first-party features (extractor modules load on first use)."""

from __future__ import annotations

from merbench.api import FeatureMeta, FeatureRegistry, hookimpl

FLOW_UVOS = FeatureMeta(
    name="flow-uvos",
    version=1,
    description="28x28 onset-apex flow image: channels (strain, v, u) as released, 0..255",
    citation="Liong et al., Shallow triple stream three-dimensional CNN (STSTNet), FG 2019",
    needs=("flow_uvos",),
    shape=(3, 28, 28),
)

LANDMARKS = FeatureMeta(
    name="landmarks",
    version=1,
    description="68 facial landmarks (x, y) normalised to the image, dlib or given; cached",
    citation="Kazemi & Sullivan, One millisecond face alignment with an ensemble of regression "
             "trees, CVPR 2014 (dlib 68-point predictor, iBUG 300-W layout)",
    needs=("landmarks68|apex_face",),
    shape=(68, 2),
    storage_options=("cache_dir",),
)

HTNET_REGIONS = FeatureMeta(
    name="htnet-regions",
    version=1,
    description="HTNet input: 14x14 flow patches at both eyes and mouth corners, tiled 28x28",
    citation="Wang et al., HTNet for micro-expression recognition, Neurocomputing 2024",
    needs=("flow_uvos", "landmarks68|apex_face"),
    shape=(3, 28, 28),
    storage_options=("cache_dir",),
)

TVL1_UVOS = FeatureMeta(
    name="tvl1-uvos",
    version=1,
    description="28x28 (strain, v, u) flow image from raw onset/apex frames, as released; cached",
    citation="Liong et al., STSTNet, FG 2019 (input); Zach, Pock & Bischof, A duality based "
             "approach for realtime TV-L1 optical flow, DAGM 2007; Sanchez et al., IPOL 2013",
    needs=("onset_frame", "apex_frame"),
    shape=(3, 28, 28),
)

ONSET_APEX = FeatureMeta(
    name="onset-apex-224",
    version=2,
    description="Onset and apex frames (RGB uint8) with jitter candidates, cut to one face "
                "box, resized to 224x224",
    citation="Li et al., MMNet, IJCAI 2022 (its onset/apex input); face box from dlib's 68 "
             "landmarks",
    needs=("onset_frame", "apex_frame"),  # (N, 2 + 2 * jitter_frames, 3, size, size) uint8
    storage_options=("cache_dir",),
)

FLOW_AND_APEX = FeatureMeta(
    name="flow-and-apex",
    version=1,
    description="Composite-release pair: the 28x28 flow image upsampled to 224 and the apex "
                "face (uint8)",
    citation="merbench variant input for MMNet on the MEGC2019 composite release",
    needs=("flow_uvos", "apex_face"),  # (N, 2, 3, size, size) uint8; size option, 224
)

APEX_FACE = FeatureMeta(
    name="apex-face",
    version=1,
    description="The apex face alone (RGB uint8), resized to size x size (224)",
    citation="MEGC2019 composite release (its apex faces), "
             "https://facial-micro-expressiongc.github.io/MEGC2019/",
    needs=("apex_face",),  # (N, 3, size, size) uint8
)

HSTA_CLIP = FeatureMeta(
    name="hsta-clip",
    version=1,
    description="HSTA input: onset, apex and 12 candidate frames from onset to min(offset, "
                "onset+50), face-cut, 224x224 uint8",
    citation="Hao et al., HSTA, https://arxiv.org/abs/2405.03202 (its clip sampling)",
    needs=("onset_frame", "apex_frame"),  # and the sample table's folder / onset / offset
    storage_options=("cache_dir",),
)

CAUSALNET_FLOWS = FeatureMeta(
    name="causalnet-flows",
    version=1,
    description="CausalNet input from raw onset/apex/offset frames: the onset->apex and "
                "apex->offset flow images and their direction maps, 4 x 28x28; cached",
    citation="CausalNet, ICCV 2025, https://github.com/tony19980810/CausalNet (its four "
             "inputs); flows as tvl1-uvos",
    needs=("onset_frame", "apex_frame"),  # and the sample table's folder / apex / offset
    shape=(4, 3, 28, 28),
)

CAUSALNET_RELEASE = FeatureMeta(
    name="causalnet-release",
    version=1,
    description="CausalNet's own released images for the composite: two flows and two "
                "direction maps a sample, 4 x 28x28 (--feature-opt images=PATH)",
    citation="CausalNet, ICCV 2025, https://github.com/tony19980810/CausalNet "
             "(datasets/STSNet_whole_norm_u_v_os)",
    needs=("flow_uvos",),  # the composite's samples; read by their flow file names
    shape=(4, 3, 28, 28),
    storage_options=("images",),  # where the copy is; its pixels are checked, not its path
)


@hookimpl
def merbench_register_features(registry: FeatureRegistry) -> None:
    registry.add(FLOW_UVOS, "merbench_features.flow_uvos:build_flow_uvos")
    registry.add(LANDMARKS, "merbench_features.landmarks:build_landmarks")
    registry.add(HTNET_REGIONS, "merbench_features.htnet_regions:build_htnet_regions")
    registry.add(TVL1_UVOS, "merbench_features.tvl1_uvos:build_tvl1_uvos")
    registry.add(ONSET_APEX, "merbench_features.frames:build_onset_apex")
    registry.add(FLOW_AND_APEX, "merbench_features.frames:build_flow_and_apex")
    registry.add(APEX_FACE, "merbench_features.frames:build_apex_face")
    registry.add(HSTA_CLIP, "merbench_features.clips:build_hsta_clip")
    registry.add(CAUSALNET_FLOWS, "merbench_features.causal_flows:build_causalnet_flows")
    registry.add(CAUSALNET_RELEASE,
                 "merbench_features.causalnet_release:build_causalnet_release")
