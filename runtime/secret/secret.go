package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// EnvKey is the process environment variable that holds the key.
const EnvKey = "BPFC_SECRET_KEY"

// KeyFile is the key file, relative to the project directory.
const KeyFile = ".bpfc/secret.key"

// version is the first byte of every sealed value.
const version = 1

// Keyring finds the key lazily: nothing is read or created until a value is
// sealed or opened.
type Keyring struct {
	projectDir string
	getenv     func(string) string

	mu   sync.Mutex
	aead cipher.AEAD // once found; a failure is not kept (load)
}

// NewKeyring returns the keyring of the project in dir. getenv reads the
// process environment (os.Getenv when nil).
func NewKeyring(dir string, getenv func(string) string) *Keyring {
	if getenv == nil {
		getenv = os.Getenv
	}
	return &Keyring{projectDir: dir, getenv: getenv}
}

// Source says where the key is read from: BPFC_SECRET_KEY when it is
// set, else the project's key file; what a warning about a key that
// differs names.
func (k *Keyring) Source() string {
	if strings.TrimSpace(k.getenv(EnvKey)) != "" {
		return EnvKey
	}
	return filepath.Join(k.projectDir, filepath.FromSlash(KeyFile))
}

// Seal encrypts plain for the place named by aad.
func (k *Keyring) Seal(plain, aad string) ([]byte, error) {
	aead, err := k.load(true)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := append([]byte{version}, nonce...)
	return aead.Seal(out, nonce, []byte(plain), []byte(aad)), nil
}

// Open decrypts a value sealed for aad.
func (k *Keyring) Open(sealed []byte, aad string) (string, error) {
	aead, err := k.load(false)
	if err != nil {
		return "", err
	}
	if len(sealed) < 1+aead.NonceSize()+aead.Overhead() || sealed[0] != version {
		return "", errors.New("not a sealed bpfc secret")
	}
	nonce := sealed[1 : 1+aead.NonceSize()]
	plain, err := aead.Open(nil, nonce, sealed[1+aead.NonceSize():], []byte(aad))
	if err != nil {
		return "", fmt.Errorf("cannot open the secret: wrong key (%s or %s) or damaged value", EnvKey, KeyFile)
	}
	return string(plain), nil
}

func (k *Keyring) load(create bool) (cipher.AEAD, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.aead != nil {
		return k.aead, nil
	}
	// A failure is tried again next time: a server that found no key file
	// at start (its check of the secrets) reads the one a deploy through it
	// creates later, or a key file fixed with chmod, without a restart.
	key, err := k.key(create)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	k.aead = aead
	return aead, nil
}

func (k *Keyring) key(create bool) ([]byte, error) {
	if s := strings.TrimSpace(k.getenv(EnvKey)); s != "" {
		key, err := decodeKey(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvKey, err)
		}
		return key, nil
	}
	path := filepath.Join(k.projectDir, filepath.FromSlash(KeyFile))
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		return createKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the secret key: %w", err)
	}
	if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s is readable by others (mode %04o): chmod 600 %s", path, info.Mode().Perm(), path)
	}
	key, err := decodeKey(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

func createKey(path string) ([]byte, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	// The key is written in full to a temporary file (CreateTemp makes it
	// 0600) and only then linked into place, so another process never reads
	// a key file that is still empty or half written. A link, unlike a
	// rename, does not replace a key another process put there first.
	tmp, err := os.CreateTemp(dir, ".secret.key.tmp-*")
	if err != nil {
		return nil, fmt.Errorf("creating the secret key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("creating the secret key: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("creating the secret key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("creating the secret key: %w", err)
	}
	err = os.Link(tmp.Name(), path)
	if errors.Is(err, fs.ErrExist) {
		// Another process created it first: use theirs, complete by now.
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("reading the secret key: %w", err)
		}
		key, err := decodeKey(strings.TrimSpace(string(b)))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("creating the secret key: %w", err)
	}
	return key, nil
}

// decodeKey accepts 32 bytes as standard base64 or hex.
func decodeKey(s string) ([]byte, error) {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	return nil, errors.New("the key must be 32 bytes, written in base64 or hex (e.g. `openssl rand -base64 32`)")
}
