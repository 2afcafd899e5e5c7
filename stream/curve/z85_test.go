package curve

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// RFC 32's test vector and the libzmq test-suite key pairs (public keys derived by
// zmq.curve_public from the secrets).
func TestZ85Vectors(t *testing.T) {
	raw := []byte{0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B}
	s, err := Z85Encode(raw)
	if err != nil || s != "HelloWorld" {
		t.Fatalf("encode = %q, %v; want HelloWorld", s, err)
	}
	b, err := Z85Decode("HelloWorld")
	if err != nil || !bytes.Equal(b, raw) {
		t.Fatalf("decode = %x, %v", b, err)
	}
	k, err := ParsePublicKey("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7")
	if err != nil {
		t.Fatal(err)
	}
	const want = "54fcba24e93249969316fb617c872bb0c1d1ff14800427c594cbfacf1bc2d652"
	if got := hex.EncodeToString(k[:]); got != want {
		t.Fatalf("server key decodes to %s, want %s", got, want)
	}
	for _, v := range []struct{ secret, public string }{
		{"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6", "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"},
		{"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs", "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"},
	} {
		sk, err := ParseSecretKey(v.secret)
		if err != nil {
			t.Fatal(err)
		}
		kp, err := KeyPairFromSecret(sk)
		if err != nil {
			t.Fatal(err)
		}
		if kp.Public.String() != v.public {
			t.Fatalf("public key of %s is %s, want %s", v.secret, kp.Public, v.public)
		}
		if kp.Secret.Z85() != v.secret {
			t.Fatalf("secret key round trip: %s", kp.Secret.Z85())
		}
	}
}

func TestZ85Rejects(t *testing.T) {
	if _, err := Z85Encode([]byte{1, 2, 3}); err == nil {
		t.Error("3 bytes encoded")
	}
	for _, s := range []string{"Hello", "HelloWorl", "Hello\"orld", "Hell World", "%%%%%"} {
		b, err := Z85Decode(s)
		if s == "Hello" {
			if err != nil || len(b) != 4 {
				t.Errorf("%q: %x %v", s, b, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%q decoded to %x", s, b)
		}
	}
	// "%%%%%" is 84*(85^4+85^3+85^2+85+1) > 2^32-1: libzmq wraps it, we refuse it.
	if _, err := ParsePublicKey("short"); err == nil {
		t.Error("short key accepted")
	}
	_, err := ParseSecretKey(strings.Repeat("\"", 40))
	if err == nil || strings.Contains(err.Error(), "\"\"") {
		t.Errorf("bad secret key: %v (must fail without echoing the text)", err)
	}
	if errors.Is(err, ErrSecurity) {
		t.Error("a key typo is not a peer's security failure")
	}
}

func TestZ85RoundTripAllBytes(t *testing.T) {
	raw := make([]byte, 256)
	for i := range raw {
		raw[i] = byte(255 - i)
	}
	s, err := Z85Encode(raw)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Z85Decode(s)
	if err != nil || !bytes.Equal(back, raw) {
		t.Fatalf("round trip failed: %v", err)
	}
}
