package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// verbs holds the constructors of the subcommands. Each verb's file adds
// its own in an init function, so adding a verb touches no other file.
var verbs []func() *cobra.Command

// newRootCmd returns the montecarlo command with every verb.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "montecarlo",
		Short: "Monte Carlo loan-default pipeline on Step Functions and Fargate Spot",
		Long: `montecarlo runs a Monte Carlo credit model over every loan of a portfolio,
in parallel, on AWS Step Functions (Distributed Map) and ECS Fargate Spot
workers, or on this machine with the local runtime.`,
		SilenceUsage:  true, // a failed run is not a usage error
		SilenceErrors: true, // run prints the error once, on stderr
	}
	for _, v := range verbs {
		root.AddCommand(v())
	}
	return root
}

// run executes the command line args and returns the exit code: 0 on
// success, 1 on any error, which goes to stderr.
func run(args []string) int {
	return runWith(args, os.Stdout, os.Stderr)
}

func runWith(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.Execute(); err != nil {
		fmt.Fprintln(stderr, "montecarlo:", err)
		return 1
	}
	return 0
}
