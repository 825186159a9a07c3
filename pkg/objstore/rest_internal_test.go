package objstore

import (
	"context"
	"testing"
)

func TestParseConnectionString(t *testing.T) {
	for cs, want := range map[string]connectionString{
		"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.chinacloudapi.cn": {account: "acct", key: "a2V5", endpoint: "https://acct.blob.core.chinacloudapi.cn"},
		"AccountName=acct;AccountKey=a2V5==":                                              {account: "acct", key: "a2V5==", endpoint: "https://acct.blob.core.windows.net"},
		"BlobEndpoint=http://127.0.0.1:10000/acct;SharedAccessSignature=sv=2023&sig=x%3D": {sas: "sv=2023&sig=x%3D", endpoint: "http://127.0.0.1:10000/acct"},
		"UseDevelopmentStorage=true":                                                      {account: "devstoreaccount1", key: "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==", endpoint: "http://127.0.0.1:10000/devstoreaccount1"},
	} {
		if got, ok := parseConnectionString(cs); !ok || got != want {
			t.Errorf("%s: got %+v, %v; want %+v", cs, got, ok, want)
		}
	}
	for _, bad := range []string{"", "AccountName=acct", "AccountKey=a2V5;BlobEndpoint=https://x", "garbage", "AccountName=acct;AccountKey"} {
		if got, ok := parseConnectionString(bad); ok {
			t.Errorf("%q: parsed as %+v, want a refusal", bad, got)
		}
	}
}

func TestAzureServiceURL(t *testing.T) {
	for _, c := range []struct {
		env      map[string]string
		account  string
		want     string
		wantFail bool
	}{
		{account: "acct", want: "https://acct.blob.core.windows.net"},
		{account: "acct", env: map[string]string{"AZURE_STORAGE_DOMAIN": "blob.core.usgovcloudapi.net"}, want: "https://acct.blob.core.usgovcloudapi.net"},
		{account: "acct", env: map[string]string{"AZURE_STORAGE_IS_LOCAL_EMULATOR": "true", "AZURE_STORAGE_PROTOCOL": "http", "AZURE_STORAGE_DOMAIN": "127.0.0.1:10000"}, want: "http://127.0.0.1:10000/acct"},
		{account: "acct", env: map[string]string{"AZURE_STORAGE_DOMAIN": "evil.example.com"}, wantFail: true},
		{account: "acct", env: map[string]string{"AZURE_STORAGE_PROTOCOL": "http"}, wantFail: true},
		{account: "acct", env: map[string]string{"AZURE_STORAGE_IS_LOCAL_EMULATOR": "true", "AZURE_STORAGE_DOMAIN": "example.com:10000"}, wantFail: true},
		{account: "ac/ct", wantFail: true},
		{account: "", wantFail: true},
	} {
		for _, k := range []string{"AZURE_STORAGE_DOMAIN", "AZURE_STORAGE_PROTOCOL", "AZURE_STORAGE_IS_LOCAL_EMULATOR", "AZURE_STORAGE_IS_CDN"} {
			t.Setenv(k, c.env[k])
		}
		got, err := azureServiceURL(c.account)
		if c.wantFail != (err != nil) || got != c.want {
			t.Errorf("%q %v: got %q, %v; want %q (fail %v)", c.account, c.env, got, err, c.want, c.wantFail)
		}
	}
}

// TestS3BucketURL: virtual-hosted on AWS for DNS-label bucket names, path
// style for dotted names and for any configured endpoint.
func TestS3BucketURL(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_ACCESS_KEY_ID", "id")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_ENDPOINT_URL", "")
	for _, c := range []struct{ region, endpoint, opt, bucket, want string }{
		{"eu-west-1", "", "", "my-bucket", "https://my-bucket.s3.eu-west-1.amazonaws.com"},
		{"eu-west-1", "", "", "my.bucket", "https://s3.eu-west-1.amazonaws.com/my.bucket"},
		{"cn-north-1", "", "", "data", "https://data.s3.cn-north-1.amazonaws.com.cn"},
		{"us-east-1", "http://127.0.0.1:9000/", "", "data", "http://127.0.0.1:9000/data"},
		{"us-east-1", "http://127.0.0.1:9000", "https://r2.example.com", "data", "https://r2.example.com/data"},
	} {
		t.Setenv("AWS_REGION", c.region)
		t.Setenv("AWS_ENDPOINT_URL_S3", c.endpoint)
		b, err := openS3(context.Background(), c.bucket, Options{Endpoint: c.opt})
		if err != nil {
			t.Fatal(err)
		}
		if got := b.(*s3).base; got != c.want {
			t.Errorf("%+v: bucket URL %s, want %s", c, got, c.want)
		}
		if got := b.credentials(); got != "AWS credentials from EnvConfigCredentials" {
			t.Errorf("credentials: %s", got)
		}
	}
}
