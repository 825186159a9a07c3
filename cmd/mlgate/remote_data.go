package main

import (
	"github.com/spf13/cobra"

	"github.com/mlgate/mlgate/pkg/objstore"
	"github.com/mlgate/mlgate/pkg/steps"
)

// addStoreFlags adds the flags for remote data to a command's scan options.
func (o *scanOptions) addStoreFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.Endpoint, "endpoint", "", "`URL` of an S3-compatible server for s3:// data (default: AWS, or AWS_ENDPOINT_URL_S3)")
	cmd.Flags().BoolVar(&o.NoSignRequest, "no-sign-request", false, "read s3://, gs:// and az:// data anonymously (public buckets)")
	o.Table.add(cmd)
}

// remote is the run's client for data arguments that are object URLs
// (s3://, gs://, az://, https://) and the version of table arguments;
// Close it when the run ends.
func (o *scanOptions) remote() *steps.Remote {
	r := steps.NewRemote(objstore.Options{Endpoint: o.Endpoint, Anonymous: o.NoSignRequest})
	r.Table = &o.Table.Options
	return r
}

// runWith is the run's identity and clock, reaching remote data through r.
func (e *env) runWith(r *steps.Remote) steps.Run {
	run := e.run()
	run.Remote = r
	return run
}
