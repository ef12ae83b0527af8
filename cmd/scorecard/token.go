package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/childrens-trust/scorecard/auth"
)

const tokenUsage = `usage:
  scorecard token create [--db PATH] --name NAME --role viewer|uploader|admin [--areas 839,E06000059|'*']
  scorecard token list   [--db PATH]
  scorecard token revoke [--db PATH] ID

create prints the secret alone on standard output, once: it is stored only as a hash.
An uploader may load rows only for its areas (GSS or DfE codes; '*' for every area).
The database is locked while "scorecard serve" runs: stop it first, or use the admin API
(POST /api/v1/admin/tokens, GET /api/v1/admin/tokens, DELETE /api/v1/admin/tokens/{id}).`

// token manages API tokens: create (the secret is printed once), list, revoke.
func (m *Main) token(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(m.Stderr, tokenUsage)
		return errUsage
	}
	sub, rest := args[0], args[1:]
	var c common
	fs := m.flags("token "+sub, &c)
	switch sub {
	case "create":
		name := fs.String("name", "", "who holds the token (a team or system)")
		role := fs.String("role", "", "viewer, uploader or admin")
		areaList := fs.String("areas", "", "an uploader's areas: comma-separated GSS or DfE codes, or '*' for every area")
		if err := parse(fs, rest); err != nil {
			return err
		}
		if *name == "" || *role == "" || fs.NArg() != 0 {
			fmt.Fprintln(m.Stderr, tokenUsage)
			return errUsage
		}
		r, err := auth.ParseRole(*role)
		if err != nil {
			return err
		}
		app, err := m.open(ctx, c)
		if err != nil {
			return err
		}
		defer app.Close()
		tok, secret, err := app.Auth.Create(ctx, *name, r, splitList(*areaList))
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stderr, "created token %s: %s %q%s\nthe secret below is shown once and stored only as a hash:\n",
			tok.ID, tok.Role, tok.Name, areasSuffix(tok))
		fmt.Fprintln(m.Stdout, secret)
		return nil
	case "list":
		if err := parse(fs, rest); err != nil {
			return err
		}
		app, err := m.open(ctx, c)
		if err != nil {
			return err
		}
		defer app.Close()
		toks, err := app.Auth.List(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tROLE\tAREAS\tCREATED\tREVOKED")
		for _, t := range toks {
			revoked := "-"
			if t.RevokedAt != nil {
				revoked = t.RevokedAt.Format(time.RFC3339)
			}
			areas := strings.Join(t.Areas, ",")
			if areas == "" {
				areas = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, areas, t.CreatedAt.Format(time.RFC3339), revoked)
		}
		return tw.Flush()
	case "revoke":
		if err := parse(fs, rest); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			fmt.Fprintln(m.Stderr, tokenUsage)
			return errUsage
		}
		app, err := m.open(ctx, c)
		if err != nil {
			return err
		}
		defer app.Close()
		tok, err := app.Auth.Revoke(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "revoked token %s (%s %q)\n", tok.ID, tok.Role, tok.Name)
		return nil
	case "-h", "--help", "help":
		fmt.Fprintln(m.Stdout, tokenUsage)
		return nil
	}
	fmt.Fprintf(m.Stderr, "unknown token command %q\n\n%s\n", sub, tokenUsage)
	return errUsage
}

func areasSuffix(t *auth.Token) string {
	if len(t.Areas) == 0 {
		return ""
	}
	return " for areas " + strings.Join(t.Areas, ",")
}
