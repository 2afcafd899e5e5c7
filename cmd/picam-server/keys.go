package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/picam-project/picam/internal/cli"
	"github.com/picam-project/picam/stream/curve"
)

const keysUsage = `picam-server keys writes a CURVE key set for secure mode (--secure-mode 1 or 2), in VidGear
NetGear's layout, so Python NetGear (custom_cert_location=DIR) loads it unchanged:
  DIR/.vidgear/keys/public_keys/{server,client}.key
  DIR/.vidgear/keys/private_keys/{server,client}.key_secret   (mode 0600)
An existing complete set is kept (add --overwrite for a new one); a partial set is an error.

  picam-server keys --out DIR

Flags:
`

// runKeys is the "keys" sub-command: picam-server keys --out DIR [--overwrite].
func runKeys(args []string, stdout, stderr io.Writer) int {
	fs := cli.NewFlagSet("picam-server keys", keysUsage, stderr)
	out := fs.String("out", "", "directory for the key tree: DIR or DIR/.vidgear (default: the home directory, NetGear's default)")
	overwrite := fs.Bool("overwrite", false, "replace an existing key set (every peer then needs the new files)")
	if err := cli.Parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cli.ExitOK
		}
		fmt.Fprintln(stderr, "picam-server keys:", err)
		return cli.ExitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "picam-server keys: unexpected argument %q: use --out DIR\n", fs.Arg(0))
		return cli.ExitUsage
	}
	v, err := curve.VidgearDir(*out)
	if err != nil {
		fmt.Fprintln(stderr, "picam-server keys:", err)
		return cli.ExitUsage
	}
	existed := fileExists(filepath.Join(v.PublicDir(), "server"+curve.PublicSuffix))
	if err := v.Create(*overwrite); err != nil {
		fmt.Fprintln(stderr, "picam-server keys:", err)
		return cli.ExitFailure
	}
	verb := "wrote a new key set"
	if existed && !*overwrite {
		verb = "kept the existing key set (--overwrite makes a new one)"
	}
	printPlacement(stdout, v, verb, (&cli.Secure{CertDir: *out}).CertDirArg())
	return cli.ExitOK
}

// printPlacement tells which machine needs which file. NetGear's own advice is to copy the
// whole tree everywhere; the table says what each side really reads, so a sender need not
// hold the receivers' secret.
func printPlacement(w io.Writer, v curve.VidgearKeys, verb, dirArg string) {
	pub := func(n string) string { return filepath.Join(v.PublicDir(), n+curve.PublicSuffix) }
	sec := func(n string) string { return filepath.Join(v.PrivateDir(), n+curve.SecretSuffix) }
	fmt.Fprintf(w, "picam-server keys: %s in %s\n\n", verb, v.Dir)
	fmt.Fprintf(w, "Where each file must go (same path under --cert-dir / custom_cert_location on each machine):\n")
	fmt.Fprintf(w, "  sender (picam-server, or NetGear without receive_mode), the CURVE client:\n")
	fmt.Fprintf(w, "    %s   SECRET, keep mode 0600\n", sec("client"))
	fmt.Fprintf(w, "    %s\n", pub("server"))
	fmt.Fprintf(w, "  every receiver (picam-client, or NetGear with receive_mode=True), the CURVE server:\n")
	fmt.Fprintf(w, "    %s   SECRET, keep mode 0600\n", sec("server"))
	fmt.Fprintf(w, "    %s   (IronHouse trusts every key in public_keys)\n", pub("client"))
	fmt.Fprintf(w, "    %s\n", pub("server"))
	fmt.Fprintf(w, "  Python NetGear checks that both directories hold server.* and client.*, and makes a NEW,\n")
	fmt.Fprintf(w, "  mismatching set otherwise: for NetGear peers copy the whole %s directory.\n\n", filepath.Dir(v.Dir))
	fmt.Fprintf(w, "Then:\n")
	fmt.Fprintf(w, "  picam-client --secure-mode 2 --cert-dir %s --port 5577 ...\n", dirArg)
	fmt.Fprintf(w, "  picam-server --secure-mode 2 --cert-dir %s --ports 5577 ...\n", dirArg)
	fmt.Fprintf(w, "  Python: NetGear(..., secure_mode=2, custom_cert_location=%q)\n", dirArg)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
