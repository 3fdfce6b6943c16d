package salesforce

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// parseRSAKey reads the first PEM block of pemData as a PKCS #1 ("RSA
// PRIVATE KEY") or PKCS #8 ("PRIVATE KEY") RSA private key. Its errors never
// quote the key.
func parseRSAKey(pemData []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(pemData)
	if block == nil {
		return nil, errors.New("private key: no PEM block found")
	}
	if _, encrypted := block.Headers["DEK-Info"]; encrypted {
		return nil, errors.New("private key: encrypted PEM keys are not supported")
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("private key: invalid PKCS #1 RSA key")
		}
		return k, nil
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("private key: invalid PKCS #8 key")
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("private key: %T is not an RSA key (RS256 needs RSA)", k)
		}
		return rk, nil
	default:
		return nil, fmt.Errorf("private key: unsupported PEM block type %q", block.Type)
	}
}
