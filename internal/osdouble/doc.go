// Package osdouble is an in-process test double of an OpenStack cloud: an
// HTTP server on 127.0.0.1 that answers the small part of the published
// OpenStack APIs that indigo's tests drive the real OpenStack Terraform
// provider through. It follows the API references (Identity v3, Compute
// v2.1, Networking v2.0) for paths, JSON shapes, status codes and headers; it
// is not derived from OpenStack's code and shares none of it.
//
// What it implements, on one listener:
//
//   - Identity (Keystone) v3: version discovery (GET / answers 300 Multiple
//     Choices with the versions document, GET /v3 the v3 version), and
//     password authentication (POST /v3/auth/tokens) for the one user the
//     Config names, project-scoped by project name or id (with the domain by
//     name or id) or unscoped. A scoped token's body carries a service
//     catalog that points at this server's compute and network endpoints in
//     Config.Region; the token itself comes back in X-Subject-Token. Every
//     other request must carry a token issued here in X-Auth-Token, or gets
//     401.
//
//   - Compute (Nova) v2.1 key pairs: POST, GET (list and one by name) and
//     DELETE /v2.1/os-keypairs, with microversions 2.1 to 2.10 as the
//     X-OpenStack-Nova-API-Version or OpenStack-API-Version header asks
//     ("latest" included): from 2.2 key pairs have a type and create answers
//     201 and delete 204 (before: 200 and 202); from 2.10 user_id selects
//     another user's key pairs. Without public_key, create generates an
//     ed25519 key pair and returns its private key once, as Nova does; an
//     imported key must parse as an OpenSSH public key. Fingerprints are
//     the MD5 form Nova reports. GET /v2.1 is the compute version document.
//
//   - Networking (Neutron) v2.0 networks: POST, GET (list with simple
//     equality filters, and one by id), PUT and DELETE /v2.0/networks, with
//     the core attributes plus mtu, port_security_enabled,
//     router:external and availability_zone_hints. Unknown attributes in a
//     body are refused with 400, as Neutron refuses them.
//
//   - Compute servers (POST, GET, list, DELETE /v2.1/servers), ACTIVE at
//     once, booting on networks by uuid (Nova makes the port) or on given
//     ports; flavors from Config.Flavors (GET /v2.1/flavors[/detail|/{id}]);
//     volume attachments (/v2.1/servers/{id}/os-volume_attachments).
//
//   - Image (Glance) v2: GET /image/v2/images[/{id}] from Config.Images.
//
//   - Block Storage (Cinder) v3 volumes under /volume/v3/{project}:
//     available at once, in-use while attached, refused delete while
//     attached.
//
//   - Networking subnets (a.b.c.0/24 only), ports (addresses handed out
//     from the first subnet) and floating IPs (from an external network,
//     associated with a port by port_id). AddNetwork seeds the networks an
//     administrator would have made.
//
// Errors use each service's published error bodies (Keystone's "error",
// Nova's "itemNotFound"/"badRequest"/"conflictingRequest", Neutron's
// "NeutronError"), so clients report them as they would against a cloud.
//
// State lives in memory, behind one mutex; the accessor methods (Keypairs,
// Networks, ...) return copies for tests to assert on, DeleteKeypair and
// DeleteNetwork change the cloud behind a client's back (drift), and
// Requests is the log of what was asked (method, path, query, microversion,
// status; never tokens or passwords).
//
// What it does not do: no other service (no security groups, routers,
// object storage, server actions or resize), no Identity v2.0, no
// token, application-credential or TOTP auth methods, no token revocation or
// validation endpoints, no policy (the one user may do anything, including
// acting for another user_id), no pagination, no network tags or segments
// (provider extension), no quotas, and no asynchronous states: a network is
// ACTIVE at once and gone at once. Anything it does not implement answers
// 404 (unknown path) or 405, so a test that strays is visible in Requests.
//
// It is for tests only; it is not a cloud emulator for users.
package osdouble
