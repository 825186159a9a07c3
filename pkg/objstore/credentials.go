package objstore

import (
	"context"
	"fmt"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	azblobblob "github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"gocloud.dev/blob/azureblob"
	"gocloud.dev/blob/s3blob"
)

// openS3 opens an S3 bucket with the AWS SDK's default chain (environment,
// shared config and profiles, SSO, web identity as set up by
// aws-actions/configure-aws-credentials, instance and container roles), and
// the endpoint of Options.Endpoint or AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL.
func openS3(ctx context.Context, bucket string, opts Options) (backend, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("s3://%s: loading the AWS configuration: %w", bucket, err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	creds := "the AWS default credential chain"
	if opts.Anonymous {
		cfg.Credentials = aws.AnonymousCredentials{}
		creds = "no credentials (anonymous access)"
	}
	custom := opts.Endpoint != "" || os.Getenv("AWS_ENDPOINT_URL_S3") != "" || os.Getenv("AWS_ENDPOINT_URL") != ""
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if opts.Endpoint != "" {
			o.BaseEndpoint = aws.String(opts.Endpoint)
		}
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		// S3-compatible servers address buckets by path.
		o.UsePathStyle = o.UsePathStyle || custom
	})
	if !opts.Anonymous && cfg.Credentials != nil {
		// Name the provider that answered (its Source), never the keys.
		if c, err := cfg.Credentials.Retrieve(ctx); err == nil && c.Source != "" {
			creds = "AWS credentials from " + c.Source
		} else if err != nil {
			creds = "the AWS default credential chain, which found no credentials"
		}
	}
	b, err := s3blob.OpenBucket(ctx, client, bucket, &s3blob.Options{RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired})
	if err != nil {
		return nil, err
	}
	return &cloud{b: b, versionOf: etag, creds: creds, pin: func(v string) func(func(any) bool) error {
		return func(as func(any) bool) error {
			var in *s3.GetObjectInput
			if as(&in) && v != "" {
				in.IfMatch = aws.String(`"` + v + `"`)
			}
			return nil
		}
	}}, nil
}

// openAzure opens an Azure Blob container with, in this order, a connection
// string (AZURE_STORAGE_CONNECTION_STRING, as for Azurite), an account key
// (AZURE_STORAGE_ACCOUNT + AZURE_STORAGE_KEY), a SAS token
// (AZURE_STORAGE_SAS_TOKEN), or Azure's default credential chain
// (environment, workload identity as set up by azure/login, managed identity,
// the Azure CLI) for AZURE_STORAGE_ACCOUNT.
func openAzure(ctx context.Context, name string, opts Options) (backend, error) {
	cs := os.Getenv("AZURE_STORAGE_CONNECTION_STRING")
	if cs == "" {
		cs = os.Getenv("AZURE_STORAGEBLOB_CONNECTIONSTRING")
	}
	account, key, sas := os.Getenv("AZURE_STORAGE_ACCOUNT"), os.Getenv("AZURE_STORAGE_KEY"), os.Getenv("AZURE_STORAGE_SAS_TOKEN")
	var (
		c     *container.Client
		err   error
		creds string
	)
	fail := func(err error) (backend, error) {
		return nil, fmt.Errorf("az://%s: %s: %w", name, creds, err)
	}
	svc := func() (string, error) {
		o := azureblob.NewDefaultServiceURLOptions()
		o.SASToken = ""
		u, err := azureblob.NewServiceURL(o)
		return string(u) + "/" + name, err
	}
	switch {
	case cs != "" && !opts.Anonymous:
		creds = "the connection string in AZURE_STORAGE_CONNECTION_STRING"
		if c, err = container.NewClientFromConnectionString(cs, name, nil); err != nil {
			// The SDK's message may quote the string, which holds the key.
			return nil, fmt.Errorf("az://%s: %s cannot be parsed", name, creds)
		}
	case account != "" && key != "" && !opts.Anonymous:
		creds = "the account key in AZURE_STORAGE_KEY for account " + account
		var u string
		var kc *azblob.SharedKeyCredential
		if u, err = svc(); err != nil {
			return fail(err)
		}
		if kc, err = azblob.NewSharedKeyCredential(account, key); err != nil {
			return nil, fmt.Errorf("az://%s: %s is not a valid key", name, creds)
		}
		c, err = container.NewClientWithSharedKeyCredential(u, kc, nil)
	case sas != "" || opts.Anonymous:
		creds = "no credentials (anonymous access)"
		if sas != "" && !opts.Anonymous {
			creds = "the SAS token in AZURE_STORAGE_SAS_TOKEN"
		}
		var u string
		if u, err = svc(); err != nil {
			return fail(err)
		}
		if sas != "" && !opts.Anonymous {
			u += "?" + sas
		}
		c, err = container.NewClientWithNoCredential(u, nil)
	default:
		creds = "Azure's default credential chain for account " + account
		var u string
		if u, err = svc(); err != nil {
			return fail(err)
		}
		var dc *azidentity.DefaultAzureCredential
		if dc, err = azidentity.NewDefaultAzureCredential(nil); err != nil {
			return fail(err)
		}
		c, err = container.NewClient(u, dc, nil)
	}
	if err != nil {
		return fail(err)
	}
	b, err := azureblob.OpenBucket(ctx, c, nil)
	if err != nil {
		return fail(err)
	}
	return &cloud{b: b, versionOf: etag, creds: creds, pin: func(v string) func(func(any) bool) error {
		return func(as func(any) bool) error {
			var o *azblobblob.DownloadStreamOptions
			if as(&o) && v != "" {
				tag := azcore.ETag(`"` + v + `"`)
				o.AccessConditions = &azblobblob.AccessConditions{ModifiedAccessConditions: &azblobblob.ModifiedAccessConditions{IfMatch: &tag}}
			}
			return nil
		}
	}}, nil
}
