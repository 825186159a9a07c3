// Package signing signs and verifies model artifacts with Sigstore.
//
// A single file is signed as a standard Sigstore bundle (v0.3, message
// signature) that cosign verify-blob accepts. A model directory is signed in the
// OpenSSF Model Signing v1.0 format: an in-toto statement whose predicate lists
// one sha256 resource per file (or per shard of a large file) and whose single
// subject digest covers them all, wrapped in DSSE inside a Sigstore bundle, so
// that other model-signing verifiers accept it.
//
// Hashing streams every file with large reads and spreads files and shards over
// all cores; a model is never loaded into memory. Keys come from cosign key
// references (encrypted key files, env://, KMS URIs); keyless signing takes an
// OIDC token, a Fulcio certificate and a Rekor entry. The package returns
// errors and results and never prints: the CLI decides what to show.
package signing
