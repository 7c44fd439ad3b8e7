package diskdb_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	diskdb "github.com/diskdb/diskdb/clients/go"
)

// TestTLS starts a server with a self-signed certificate made here, and checks
// that TLSConfig connects to it, verifies it, and refuses an unknown CA.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := writeSelfSigned(t, dir)
	tlsPort, err := freePort()
	ok(t, err)
	// Both servers ask for client certificates unless told not to, and then want
	// a CA to check them against.
	s, err := startServer("--tls-port", strconv.Itoa(tlsPort), "--tls-cert-file", certFile, "--tls-key-file", keyFile,
		"--tls-ca-cert-file", certFile, "--tls-auth-clients", "no")
	ok(t, err)
	defer s.stop()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(tlsPort))

	db, err := diskdb.ConnectOptions(addr, diskdb.Options{TLSConfig: &tls.Config{RootCAs: pool}})
	ok(t, err)
	defer db.Close()
	ok(t, db.Set("k", "over tls"))
	v, err := db.Get("k")
	ok(t, err)
	eq(t, v, "over tls")

	// The system roots do not know our CA: the handshake must fail.
	if _, err := diskdb.ConnectOptions(addr, diskdb.Options{TLSConfig: &tls.Config{}}); err == nil {
		t.Fatal("TLS with an unknown CA succeeded")
	}
}

// writeSelfSigned writes a certificate for 127.0.0.1 and localhost that is its
// own CA, and returns the file names and a pool trusting it.
func writeSelfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ok(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "diskdb test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	ok(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	ok(t, err)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ok(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	ok(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600))
	cert, err := x509.ParseCertificate(der)
	ok(t, err)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
