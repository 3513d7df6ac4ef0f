// Package admin is a small client for MinIO's admin API
// (/minio/admin/v3/...): the calls indigo's s3 target needs that the S3 API
// does not have — bucket quotas, replication remote targets, tiers, canned
// policies, the server's own groups (update-group-members, group) and the
// attachment of policies to its users and groups (idp/builtin/policy/attach
// and detach).
//
// Requests are signed with SigV4 by minio-go's pkg/signer (service s3; the
// body's SHA-256 in X-Amz-Content-Sha256). Bodies that carry secrets
// (remote targets, tiers, users), and those of the policy attach and detach
// calls (which the server only reads encrypted, as
// application/octet-stream), are encrypted the way the server expects:
//
//	salt (32 bytes) | algorithm id (1 byte) | nonce (8 bytes) | sio-go stream
//
// with the key derived from the caller's secret key: Argon2id for ids 0x00
// (AES-256-GCM) and 0x01 (ChaCha20-Poly1305), PBKDF2-HMAC-SHA256 with 8192
// rounds for id 0x02 (AES-256-GCM). Encrypt uses 0x02 (cheap: Argon2id costs
// 64 MiB per call); Decrypt reads all three.
//
// The wire format is written from the API's documented shape with sio-go
// (MIT) and golang.org/x/crypto (BSD); it is not madmin-go (AGPL), which this
// project does not use. It is not a general admin client: healing,
// service accounts and the rest are left out until something needs them.
// Users are created (AddUser) only by tests and set-up tools: indigo does
// not manage users' secret keys.
package admin
