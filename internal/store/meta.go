package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// metaRefreshToken is the meta key of the persisted OAuth refresh token.
const metaRefreshToken = "salesforce_refresh_token"

// Meta returns the value stored under key, or "" when unset.
func (db *DB) Meta(ctx context.Context, key string) (string, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return "", fmt.Errorf("meta %s: %w", key, err)
	}
	defer tx.Rollback()
	v, err := meta(ctx, tx, key)
	if err != nil {
		return "", fmt.Errorf("meta %s: %w", key, err)
	}
	return v, nil
}

// SetMeta stores value under key, replacing any value.
func (db *DB) SetMeta(ctx context.Context, key, value string) error {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("set meta %s: %w", key, err)
	}
	defer tx.Rollback()
	if err := setMeta(ctx, tx, key, value); err != nil {
		return fmt.Errorf("set meta %s: %w", key, err)
	}
	return commit(tx)
}

// RefreshToken returns the persisted OAuth refresh token, or "" when none
// was saved. It implements the Salesforce connector's TokenStore.
func (db *DB) RefreshToken(ctx context.Context) (string, error) {
	tx, err := db.beginRead(ctx)
	if err != nil {
		return "", fmt.Errorf("refresh token: %w", err)
	}
	defer tx.Rollback()
	v, err := meta(ctx, tx, metaRefreshToken)
	if err != nil {
		return "", fmt.Errorf("refresh token: %w", err)
	}
	return v, nil
}

// SaveRefreshToken persists a (rotated) refresh token. The file is mode 0600;
// error messages never contain the token.
func (db *DB) SaveRefreshToken(ctx context.Context, tok string) error {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("save refresh token: %w", err)
	}
	defer tx.Rollback()
	if err := setMeta(ctx, tx, metaRefreshToken, tok); err != nil {
		return fmt.Errorf("save refresh token: %w", err)
	}
	return commit(tx)
}

func meta(ctx context.Context, tx *sql.Tx, key string) (string, error) {
	var v string
	err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

func setMeta(ctx context.Context, tx *sql.Tx, key, value string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}
