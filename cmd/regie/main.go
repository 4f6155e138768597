// Command regie is the Regie wallet: the resident's vault and server, the
// organisation tooling, and the helper's import and desk, in one binary.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand: its words, a one-line summary, and its run.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

func commands() []command {
	return []command{
		{"init", "create a vault: regie init --bsn BSN --name NAME", cmdInit},
		{"serve", "run the wallet: regie serve [--addr HOST:PORT] [--demo]", cmdServe},
		{"host", "run a wallet host for many residents: regie host [--addr HOST:PORT] [--public-url URL] [--trust FILE] [--store URL] | copy --from --to | migrate", cmdHost},
		{"overview", "show where you stand: regie overview [--format table|json|csv]", cmdOverview},
		{"expenses", "fixed costs: regie expenses list | add --kind KIND --amount EUROS | delete ID", cmdExpenses},
		{"household", "your household: regie household show | set --situation SITUATION | clear", cmdHousehold},
		{"client", "who you are, for a consent with 'client': regie client show | set --birth-date … --postcode …", cmdClient},
		{"passwd", "change the passphrase (REGIE_NEW_PASSPHRASE or prompt); --rotate also replaces the data key", cmdPasswd},
		{"import", "import statement files: regie import FILE...", cmdImport},
		{"sources", "connected organisations: regie sources connect ORG CODE | list | refresh", cmdSources},
		{"trust", "the trust list: regie trust add FILE | list | remove ID", cmdTrust},
		{"consent", "consent: regie consent grant | list | revoke ID | receipt ID", cmdConsent},
		{"audit", "the access log: regie audit [verify]", cmdAudit},
		{"org", "play an organisation: regie org new | sign | serve", cmdOrg},
		{"helper", "the counsellor's side: regie helper new | import | serve", cmdHelper},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, newEnv(), os.Args[1:])
	stop()
	os.Exit(code)
}

// run executes one command line and returns the exit code: 0 success,
// 1 refused or failed, 2 wrong usage.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(e)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, e, args[1:])
			var ue usageError
			var hr helpRequest
			switch {
			case err == nil:
				return 0
			case errors.As(err, &hr):
				fmt.Fprint(e.stdout, hr.text)
				return 0
			case errors.As(err, &ue):
				fmt.Fprintf(e.stderr, "regie %s: %s\n", c.name, ue.msg)
				if ue.usage == "" {
					ue.usage = fmt.Sprintf("regie %s --help shows how to use it.", c.name)
				}
				fmt.Fprintln(e.stderr, ue.usage)
				return 2
			default:
				fmt.Fprintf(e.stderr, "regie %s: %s\n", c.name, oneLine(err))
				return 1
			}
		}
	}
	fmt.Fprintf(e.stderr, "regie: unknown command %q\n", args[0])
	usage(e)
	return 2
}

func usage(e *env) {
	fmt.Fprintln(e.stderr, "usage: regie COMMAND [flags]")
	for _, c := range commands() {
		fmt.Fprintf(e.stderr, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(e.stderr, "Every command honours REGIE_DATA (data folder) and REGIE_PASSPHRASE.")
}
