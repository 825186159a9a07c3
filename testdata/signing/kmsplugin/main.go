// Command sigstore-kms-mlgatetest is a KMS for tests, spoken to through
// sigstore's KMS plugin protocol (the one cosign uses for KMS providers it
// does not build in): the key reference mlgatetest://PATH names a PEM EC
// private key file that stands in for the key held by the KMS.
package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/kms/cliplugin/handler"
)

type localKMS struct {
	*signature.ECDSASignerVerifier
	priv *ecdsa.PrivateKey
	hash crypto.Hash
}

func (k localKMS) CreateKey(context.Context, string) (crypto.PublicKey, error) {
	return k.priv.Public(), nil
}

func (k localKMS) CryptoSigner(context.Context, func(error)) (crypto.Signer, crypto.SignerOpts, error) {
	return k.priv, k.hash, nil
}

func (k localKMS) SupportedAlgorithms() []string { return []string{"ecdsa-p256-sha256"} }
func (k localKMS) DefaultAlgorithm() string      { return "ecdsa-p256-sha256" }

func load(path string, hash crypto.Hash) (localKMS, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return localKMS{}, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return localKMS{}, errors.New("no PEM key")
	}
	priv, err := x509.ParseECPrivateKey(block.Bytes)
	if err != nil {
		return localKMS{}, err
	}
	if hash == 0 {
		hash = crypto.SHA256
	}
	sv, err := signature.LoadECDSASignerVerifier(priv, hash)
	if err != nil {
		return localKMS{}, err
	}
	return localKMS{ECDSASignerVerifier: sv, priv: priv, hash: hash}, nil
}

func main() {
	args, err := handler.GetPluginArgs(os.Args)
	if err != nil {
		_ = handler.WriteErrorResponse(os.Stdout, err)
		return
	}
	kms, err := load(args.InitOptions.KeyResourceID, args.InitOptions.HashFunc)
	if err != nil {
		_ = handler.WriteErrorResponse(os.Stdout, fmt.Errorf("mlgatetest KMS: %w", err))
		return
	}
	_, _ = handler.Dispatch(os.Stdout, os.Stdin, args, kms)
}
