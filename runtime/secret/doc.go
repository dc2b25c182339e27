// Package secret seals the values of secret environment variables before they
// reach an environment store: AES-256-GCM under a key from BPFC_SECRET_KEY
// (32 bytes, base64 or hex) or, failing that, the project's key file
// .bpfc/secret.key, created with mode 0600 on first use. Sealed values are
// bound to where they belong (the environment and the variable) through the
// GCM additional data, so a sealed value copied elsewhere does not open.
// Clear text never leaves this package except through Open.
package secret
