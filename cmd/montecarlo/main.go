// Command montecarlo is the pipeline's command line: render the state
// machine definitions, run the whole pipeline locally, start and watch runs
// on AWS, read reports. Each verb lives in its own file.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:]))
}
