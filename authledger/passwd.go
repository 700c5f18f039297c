// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package authledger

import (
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// DefaultBcryptCost is the bcrypt cost [HashPassword] uses when given 0.
const DefaultBcryptCost = bcrypt.DefaultCost

// HashPassword returns the bcrypt hash of password for a ledger's password
// field. A cost of 0 means [DefaultBcryptCost]. bcrypt reads at most 72
// bytes, so longer passwords are refused rather than silently truncated.
func HashPassword(password string, cost int) (string, error) {
	if cost == 0 {
		cost = DefaultBcryptCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}
