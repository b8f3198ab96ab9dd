//! SKELETON: canonical CBOR encode / strict decode (types helper).
