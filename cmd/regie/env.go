package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"regie/wallet"
	"regie/web"
)

// env is what a command may touch: its streams and the environment.
type env struct {
	stdin          *os.File
	stdout, stderr io.Writer
	getenv         func(string) string
	// kdf is zero in the binary, so every vault it creates or re-keys uses
	// wallet.DefaultKDF. Only tests, which build env themselves, set it; no
	// flag or environment variable reaches it.
	kdf wallet.KDFParams
}

func newEnv() *env {
	return &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
}

// usageError is a wrong command line: exit 2, the message and the
// command's usage line on stderr.
type usageError struct{ msg, usage string }

// Error is the usage message.
func (u usageError) Error() string { return u.msg }

func usagef(format string, a ...any) error { return usageError{msg: fmt.Sprintf(format, a...)} }

// everyInterface refuses to serve on addr when it names no host (0.0.0.0,
// [::] or nothing before the port) and no public URL says which name the
// clients use: the server answers only to names it knows (against DNS
// rebinding), and no client sends 0.0.0.0, so every request would get 421.
// instead says what to give.
func everyInterface(addr, public, instead string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || public != "" {
		return nil // a malformed address is refused by net.Listen
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		return usagef("--addr %s listens on every interface, so it is unknown which address clients use: %s", addr, instead)
	}
	return nil
}

// helpRequest is --help or -h: exit 0 with the command's usage on stdout.
type helpRequest struct{ text string }

// Error says what was asked; run prints text instead.
func (h helpRequest) Error() string { return "help requested" }

// oneLine keeps an error message to one line for stderr.
func oneLine(err error) string {
	return strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
}

// flags makes the flag set of one subcommand, so that a flag of another
// subcommand is refused instead of silently accepted. The set's name is its
// synopsis, e.g. "consent revoke [flags] ID", printed in usage lines.
func flags(synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(synopsis, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// dataFlag adds --data to a command that reads or writes the vault.
func dataFlag(fs *flag.FlagSet) *string {
	return fs.String("data", "", "data folder (default $REGIE_DATA or ./regie-data)")
}

func usageLine(fs *flag.FlagSet) string { return "usage: regie " + fs.Name() }

// help renders a flag set's usage and flags for --help.
func help(fs *flag.FlagSet) helpRequest {
	var b strings.Builder
	b.WriteString(usageLine(fs) + "\n")
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	return helpRequest{b.String()}
}

// parse reads a subcommand's flags. Flags go before the operands: a flag
// after them (regie consent revoke ID --format json) is refused rather than
// taken as an operand.
func parse(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return help(fs)
	}
	if err != nil {
		return usageError{msg: err.Error(), usage: usageLine(fs)}
	}
	for _, a := range fs.Args() {
		if len(a) > 1 && strings.HasPrefix(a, "-") {
			return usageError{msg: fmt.Sprintf("flag %s must come before the other arguments", a), usage: usageLine(fs)}
		}
	}
	return nil
}

// parseNone reads the flags of a command that takes no other arguments.
func parseNone(fs *flag.FlagSet, args []string) error {
	if err := parse(fs, args); err != nil {
		return err
	}
	return noOperands(fs)
}

// noOperands refuses arguments left after the flags of a command that takes
// none.
func noOperands(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return usageError{msg: fmt.Sprintf("unexpected argument %q", fs.Arg(0)), usage: usageLine(fs)}
	}
	return nil
}

// subcommand splits "regie CMD SUB args..." into SUB and its arguments.
// Without SUB, or with an unknown one, it is a usage error; --help, -h or
// help list the subcommands.
func subcommand(cmd string, args []string, subs ...string) (string, []string, error) {
	line := fmt.Sprintf("usage: regie %s %s [flags] ...", cmd, strings.Join(subs, "|"))
	if len(args) > 0 {
		switch args[0] {
		case "-h", "-help", "--help", "help":
			return "", nil, helpRequest{fmt.Sprintf("%s\nregie %s SUBCOMMAND --help lists a subcommand's flags.\n", line, cmd)}
		}
		for _, s := range subs {
			if args[0] == s {
				return s, args[1:], nil
			}
		}
		return "", nil, usageError{msg: fmt.Sprintf("unknown %s command %q", cmd, args[0]), usage: line}
	}
	return "", nil, usageError{msg: "name a subcommand", usage: line}
}

func (e *env) dataDir(flagValue string) string {
	switch {
	case flagValue != "":
		return flagValue
	case e.getenv("REGIE_DATA") != "":
		return e.getenv("REGIE_DATA")
	}
	return "regie-data"
}

func (e *env) isTerminal() bool { return term.IsTerminal(int(e.stdin.Fd())) }

// passphrase comes from REGIE_PASSPHRASE, else from a prompt on a terminal.
func (e *env) passphrase(prompt, envName string) (string, error) {
	if p := e.getenv(envName); p != "" {
		return p, nil
	}
	if !e.isTerminal() {
		return "", fmt.Errorf("no passphrase: set %s or run in a terminal", envName)
	}
	fmt.Fprint(e.stderr, prompt)
	b, err := term.ReadPassword(int(e.stdin.Fd()))
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func (e *env) openVault(dir string) (*wallet.Vault, error) {
	v, err := wallet.Open(filepath.Join(dir, wallet.FileName), &wallet.Options{KDF: e.kdf})
	if errors.Is(err, wallet.ErrInUse) {
		// Most often the resident's own running wallet: say what to do.
		return nil, fmt.Errorf("%w: the wallet (regie serve or make run) is using %s; see your overview, sources, consents and log in its pages (http://127.0.0.1:8080 unless you chose another --addr or ADDR), or stop it with Ctrl+C and run this command again", err, dir)
	}
	return v, err
}

// unlocked opens the vault in dir and unlocks it.
func (e *env) unlocked(ctx context.Context, dir string) (*wallet.Vault, error) {
	v, err := e.openVault(dir)
	if err != nil {
		return nil, err
	}
	if exists, err := v.Exists(); err != nil || !exists {
		v.Close()
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w in %s: run regie init first", wallet.ErrNoVault, dir)
	}
	pass, err := e.passphrase("Wachtwoordzin / passphrase: ", "REGIE_PASSPHRASE")
	if err != nil {
		v.Close()
		return nil, err
	}
	if err := v.Unlock(ctx, pass); err != nil {
		v.Close()
		return nil, err
	}
	return v, nil
}

// format picks the listing format: table on a terminal, JSON otherwise.
func (e *env) format(fs *flag.FlagSet) *string {
	def := "json"
	if f, ok := e.stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		def = "table"
	}
	return fs.String("format", def, "table, json or csv")
}

func checkFormat(f string) error {
	switch f {
	case "table", "json", "csv":
		return nil
	}
	return usagef("--format must be table, json or csv")
}

// parseAndUnlock parses a listing command's flags, checks that at most
// maxArgs arguments follow them and its format, and opens the unlocked
// vault; the caller closes it.
func (e *env) parseAndUnlock(ctx context.Context, fs *flag.FlagSet, data, format *string, args []string, maxArgs int) (*wallet.Vault, error) {
	if err := parse(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() > maxArgs {
		return nil, usageError{msg: fmt.Sprintf("unexpected argument %q", fs.Arg(maxArgs)), usage: usageLine(fs)}
	}
	if err := checkFormat(*format); err != nil {
		return nil, err
	}
	return e.unlocked(ctx, e.dataDir(*data))
}

func (e *env) printJSON(v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printRows writes a header and rows as an aligned table or as CSV.
func (e *env) printRows(format string, header []string, rows [][]string) error {
	if format == "csv" {
		return web.WriteCSV(e.stdout, header, rows)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04")
}

var errRefused = errors.New("refused")
