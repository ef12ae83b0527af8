package main

import (
	"context"
	"flag"
)

func (m *Main) serve(ctx context.Context, args []string) error {
	var c common
	fs := m.flags("serve", &c)
	addr := fs.String("addr", "localhost:8080", "address to listen on")
	if err := parse(fs, args); err != nil {
		return err
	}
	_ = addr
	_ = flag.ErrHelp
	app, err := m.open(ctx, c)
	if err != nil {
		return err
	}
	defer app.Close()
	return nil
}
