package webapi

import (
	"context"
	"sync"
	"time"

	"github.com/bpfc/bpfc/runtime/engine"
)

// The cache of authenticated tokens: a busy client does not cost a store
// read per request; a revoked token stops working within Config.AuthCacheTTL.

// authCacheMax bounds the cache; when full it is emptied.
const authCacheMax = 10_000

type authEntry struct {
	user    string
	expires time.Time
}

type authCache struct {
	mu sync.Mutex
	m  map[string]authEntry // by token hash
}

func (c *authCache) get(hash string, now time.Time) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[hash]
	if !ok || now.After(e.expires) {
		return "", false
	}
	return e.user, true
}

func (c *authCache) put(hash, user string, now time.Time, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= authCacheMax {
		c.m = map[string]authEntry{}
	}
	c.m[hash] = authEntry{user: user, expires: now.Add(ttl)}
}

// authenticate returns the user of a bearer token.
func (s *Server) authenticate(ctx context.Context, token string) (string, error) {
	hash := engine.HashToken(token)
	now := time.Now()
	if s.cfg.EngineOptions.Now != nil {
		now = s.cfg.EngineOptions.Now() // the engine's clock, when the server was given one
	}
	ttl := s.cfg.AuthCacheTTL
	if user, ok := s.auth.get(hash, now); ok && ttl > 0 {
		return user, nil
	}
	user, err := s.eng.Authenticate(ctx, token)
	if err != nil {
		return "", err
	}
	if ttl > 0 {
		s.auth.put(hash, user, now, ttl)
	}
	return user, nil
}
