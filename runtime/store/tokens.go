package store

import "time"

// Bearer tokens of the Web API. The store keeps only each token's SHA-256,
// never the token: a stolen environment file gives no way in. Backends that
// keep tokens implement TokenTx; callers reach it by a type assertion on Tx.

// Token is an issued bearer token.
type Token struct {
	ID        string // a short public id, to name the token when revoking it
	User      string // the user's name (systemuser domainname)
	Hash      string // hex SHA-256 of the token
	Label     string // what it is for, as its issuer said
	CreatedOn time.Time
	CreatedBy string    // the issuing user's name
	RevokedOn time.Time // zero while valid
}

// TokenTx is a transaction that can keep tokens.
type TokenTx interface {
	// PutToken records a new token (ErrExists when its id or hash is taken).
	PutToken(Token) error
	// TokenByHash finds a token, revoked or not, by its hash.
	TokenByHash(hash string) (Token, error)
	// Tokens lists the tokens of a user ("" = every user), oldest first.
	Tokens(user string) ([]Token, error)
	// RevokeToken marks a token revoked (ErrNotFound when no valid token
	// has that id).
	RevokeToken(id string, on time.Time) error
}
