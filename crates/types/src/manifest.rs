//! SKELETON: Oasis CLI rofl.yaml (types helper).
