package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"regie/wallet"
)

// env is what a command may touch: its streams and the environment.
type env struct {
	stdin          *os.File
	stdout, stderr io.Writer
	getenv         func(string) string
	kdf            wallet.KDFParams
}

func newEnv() *env {
	return configure(&env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
}

// configure applies settings that come from the environment.
func configure(e *env) *env {
	// REGIE_KDF=fast is for the test suite, which makes hundreds of vaults.
	if e.getenv("REGIE_KDF") == "fast" {
		e.kdf = wallet.KDFParams{Time: 1, Memory: 8 << 10, Threads: 1}
	}
	return e
}

type usageError struct{ msg string }

// Error is the usage message.
func (u usageError) Error() string { return u.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// oneLine keeps an error message to one line for stderr.
func oneLine(err error) string {
	return strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
}

// flags makes a flag set that reports usage errors instead of exiting.
func (e *env) flags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	data := fs.String("data", "", "data folder (default $REGIE_DATA or ./regie-data)")
	return fs, data
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	return nil
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
	return wallet.Open(filepath.Join(dir, wallet.FileName), &wallet.Options{KDF: e.kdf})
}

// unlocked opens the vault in dir and unlocks it.
func (e *env) unlocked(ctx context.Context, dir string) (*wallet.Vault, error) {
	v, err := e.openVault(dir)
	if err != nil {
		return nil, err
	}
	if !v.Exists() {
		v.Close()
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

// parseAndUnlock parses a listing command's flags, checks its format and
// opens the unlocked vault; the caller closes it.
func (e *env) parseAndUnlock(ctx context.Context, fs *flag.FlagSet, data, format *string, args []string) (*wallet.Vault, error) {
	if err := parse(fs, args); err != nil {
		return nil, err
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
		w := csv.NewWriter(e.stdout)
		w.Write(header)
		w.WriteAll(rows)
		return w.Error()
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
