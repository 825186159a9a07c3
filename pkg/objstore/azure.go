package objstore

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// azure reads an Azure Blob Storage container through the Blob service's
// REST API: Get Blob Properties for the size and ETag, ranged Get Blob
// requests conditional on that ETag (If-Match), and List Blobs pages. Requests
// go through azcore's pipeline; Microsoft Entra tokens come from azidentity's
// default chain through azcore's bearer-token policy, account keys sign with
// Shared Key (sharedKey below), SAS tokens ride in the query.
//
// Why not azblob's container client (with gocloud.dev/blob around it): its
// package links apache/arrow-go and goccy/go-json for Arrow-format listings
// mlgate never asks for, 2.4 MB of machine code and about 9 MB of the binary
// with gocloud.dev (README, Performance), for three calls; azcore and
// azidentity are linked anyway for azurekms:// keys.
type azure struct {
	pl        runtime.Pipeline
	container string     // https://ACCOUNT.blob.core.windows.net/CONTAINER, no query
	sas       url.Values // a SAS token's parameters, added to every request
	creds     string
}

// azureVersion is the Blob service REST API version requested.
const azureVersion = "2023-11-03"

// azureDomains are the storage domains of Azure's clouds, which alone get
// credentials over https (AZURE_STORAGE_DOMAIN picks one); an emulator
// (AZURE_STORAGE_IS_LOCAL_EMULATOR) may only be on loopback.
var azureDomains = []string{"blob.core.windows.net", "blob.core.usgovcloudapi.net", "blob.core.chinacloudapi.cn", "blob.core.cloudapi.de"}

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
	a := &azure{}
	var auth policy.Policy
	fail := func(err error) (backend, error) {
		return nil, fmt.Errorf("az://%s: %s: %w", name, a.creds, err)
	}
	var svc string
	var err error
	switch {
	case cs != "" && !opts.Anonymous:
		a.creds = "the connection string in AZURE_STORAGE_CONNECTION_STRING"
		c, ok := parseConnectionString(cs)
		if !ok {
			// Never quote the string: it holds the key.
			return nil, fmt.Errorf("az://%s: %s cannot be parsed", name, a.creds)
		}
		svc, sas = c.endpoint, c.sas
		if c.key != "" {
			if auth, err = newSharedKey(c.account, c.key); err != nil {
				return nil, fmt.Errorf("az://%s: %s holds no valid key", name, a.creds)
			}
		}
	case account != "" && key != "" && !opts.Anonymous:
		a.creds = "the account key in AZURE_STORAGE_KEY for account " + account
		if svc, err = azureServiceURL(account); err != nil {
			return fail(err)
		}
		if auth, err = newSharedKey(account, key); err != nil {
			return nil, fmt.Errorf("az://%s: %s is not a valid key", name, a.creds)
		}
		sas = ""
	case sas != "" || opts.Anonymous:
		a.creds = "no credentials (anonymous access)"
		if sas != "" && !opts.Anonymous {
			a.creds = "the SAS token in AZURE_STORAGE_SAS_TOKEN"
		} else {
			sas = ""
		}
		if svc, err = azureServiceURL(account); err != nil {
			return fail(err)
		}
	default:
		a.creds = "Azure's default credential chain for account " + account
		if svc, err = azureServiceURL(account); err != nil {
			return fail(err)
		}
		dc, err := azidentity.NewDefaultAzureCredential(nil)
		if err != nil {
			return fail(err)
		}
		auth = runtime.NewBearerTokenPolicy(dc, []string{"https://storage.azure.com/.default"}, nil)
	}
	if a.sas, err = url.ParseQuery(strings.TrimPrefix(sas, "?")); err != nil {
		return nil, fmt.Errorf("az://%s: %s is not a valid SAS token", name, a.creds)
	}
	a.container = strings.TrimSuffix(svc, "/") + "/" + url.PathEscape(name)
	if _, err := url.Parse(a.container); err != nil {
		return fail(err)
	}
	var per []policy.Policy
	if auth != nil {
		per = append(per, auth)
	}
	// The Store retries; the pipeline sends each request once.
	a.pl = runtime.NewPipeline("mlgate-objstore", "v1", runtime.PipelineOptions{PerRetry: per},
		&policy.ClientOptions{Retry: policy.RetryOptions{MaxRetries: -1}})
	return a, nil
}

// azureServiceURL is the Blob service URL of account from the environment,
// as gocloud.dev/blob/azureblob built it before: AZURE_STORAGE_PROTOCOL,
// AZURE_STORAGE_DOMAIN, AZURE_STORAGE_IS_LOCAL_EMULATOR, AZURE_STORAGE_IS_CDN.
func azureServiceURL(account string) (string, error) {
	if account == "" {
		return "", errors.New("AZURE_STORAGE_ACCOUNT is not set")
	}
	for _, r := range account {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return "", fmt.Errorf("the account name %q is not alphanumeric", account)
		}
	}
	emulator, _ := strconv.ParseBool(os.Getenv("AZURE_STORAGE_IS_LOCAL_EMULATOR"))
	cdn, _ := strconv.ParseBool(os.Getenv("AZURE_STORAGE_IS_CDN"))
	domain := strings.ToLower(os.Getenv("AZURE_STORAGE_DOMAIN"))
	if domain == "" {
		domain = azureDomains[0]
	}
	protocol := strings.ToLower(os.Getenv("AZURE_STORAGE_PROTOCOL"))
	if protocol == "" {
		protocol = "https"
	}
	switch {
	case emulator:
		host := domain
		if h, _, err := net.SplitHostPort(domain); err == nil {
			host = h
		}
		if ip := net.ParseIP(strings.Trim(host, "[]")); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return "", fmt.Errorf("the local emulator's domain %q is not on this machine", domain)
		}
		return protocol + "://" + domain + "/" + account, nil
	case protocol != "https":
		return "", fmt.Errorf("protocol %q is allowed only for a local emulator", protocol)
	case !slices.Contains(azureDomains, domain):
		return "", fmt.Errorf("storage domain %q is not one of Azure's", domain)
	case cdn:
		return "https://" + domain, nil
	}
	return "https://" + account + "." + domain, nil
}

// connectionString is what a storage connection string says about Blob.
type connectionString struct {
	account, key, sas, endpoint string
}

// parseConnectionString reads Key=Value;... as Azure's SDKs do: BlobEndpoint,
// or DefaultEndpointsProtocol + AccountName + EndpointSuffix; AccountKey or
// SharedAccessSignature; UseDevelopmentStorage=true for Azurite's defaults.
func parseConnectionString(cs string) (connectionString, bool) {
	kv := map[string]string{}
	for part := range strings.SplitSeq(cs, ";") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return connectionString{}, false
		}
		kv[strings.ToLower(k)] = v
	}
	if strings.EqualFold(kv["usedevelopmentstorage"], "true") {
		// Azurite's well-known development account, documented by Microsoft.
		return connectionString{account: "devstoreaccount1", key: "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
			endpoint: "http://127.0.0.1:10000/devstoreaccount1"}, true
	}
	c := connectionString{account: kv["accountname"], key: kv["accountkey"], sas: kv["sharedaccesssignature"], endpoint: kv["blobendpoint"]}
	if c.endpoint == "" {
		if c.account == "" {
			return connectionString{}, false
		}
		protocol, suffix := kv["defaultendpointsprotocol"], kv["endpointsuffix"]
		if protocol == "" {
			protocol = "https"
		}
		if suffix == "" {
			suffix = "core.windows.net"
		}
		c.endpoint = protocol + "://" + c.account + ".blob." + suffix
	}
	if c.key != "" && c.account == "" || c.key == "" && c.sas == "" {
		return connectionString{}, false
	}
	return c, true
}

// sharedKey signs requests with an account key (Azure Storage's Shared Key
// scheme, as azblob's SharedKeyCredential does).
type sharedKey struct {
	account string
	key     []byte
}

func newSharedKey(account, key string) (*sharedKey, error) {
	k, err := base64.StdEncoding.DecodeString(key)
	if err != nil || len(k) == 0 {
		return nil, errors.New("the key is not base64")
	}
	return &sharedKey{account: account, key: k}, nil
}

// Do signs req (a policy.Policy run on every try, so the date is fresh).
func (s *sharedKey) Do(req *policy.Request) (*http.Response, error) {
	r := req.Raw()
	r.Header.Set("x-ms-date", time.Now().UTC().Format(http.TimeFormat))
	h := r.Header
	length := h.Get("Content-Length")
	if length == "0" {
		length = ""
	}
	// The x-ms- headers, lower-cased and sorted (the ones sent here sort
	// the same by Azure's collation as by bytes).
	var ms []string
	for k, v := range h {
		if k = strings.ToLower(k); strings.HasPrefix(k, "x-ms-") {
			ms = append(ms, k+":"+strings.Join(v, ","))
		}
	}
	slices.Sort(ms)
	res := "/" + s.account + r.URL.EscapedPath()
	if r.URL.Path == "" {
		res += "/"
	}
	q := r.URL.Query()
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range q {
			if !yield(k) {
				return
			}
		}
	}) {
		vs := slices.Sorted(slices.Values(q[k]))
		res += "\n" + strings.ToLower(k) + ":" + strings.Join(vs, ",")
	}
	toSign := strings.Join([]string{r.Method, h.Get("Content-Encoding"), h.Get("Content-Language"), length,
		h.Get("Content-MD5"), h.Get("Content-Type"), "", h.Get("If-Modified-Since"), h.Get("If-Match"),
		h.Get("If-None-Match"), h.Get("If-Unmodified-Since"), h.Get("Range"), strings.Join(ms, "\n"), res}, "\n")
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte(toSign))
	r.Header.Set("Authorization", "SharedKey "+s.account+":"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	return req.Next()
}

// do sends a request for key ("" for the container) and turns any status
// but 200 and 206 into a *statusError.
func (a *azure) do(ctx context.Context, method, key string, q url.Values, hdr http.Header) (*http.Response, error) {
	u := a.container
	if key != "" {
		segs := strings.Split(key, "/")
		for i, s := range segs {
			segs[i] = url.PathEscape(s)
		}
		u += "/" + strings.Join(segs, "/")
	}
	all := url.Values{}
	for k, v := range a.sas {
		all[k] = v
	}
	for k, v := range q {
		all[k] = v
	}
	if len(all) > 0 {
		u += "?" + all.Encode()
	}
	req, err := runtime.NewRequest(ctx, method, u)
	if err != nil {
		return nil, err
	}
	r := req.Raw()
	for k, v := range hdr {
		r.Header[k] = v
	}
	r.Header.Set("x-ms-version", azureVersion)
	resp, err := a.pl.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPartialContent {
		defer resp.Body.Close()
		// Azure names the refusal in x-ms-error-code and explains it in
		// <Error><Code/><Message/></Error>.
		var e struct{ Code, Message string }
		_ = xml.NewDecoder(io.LimitReader(resp.Body, 4<<10)).Decode(&e)
		msg := "HTTP " + resp.Status
		if c := resp.Header.Get("x-ms-error-code"); c != "" || e.Code != "" {
			msg += ": " + strings.ToValidUTF8(c+" "+e.Message[:min(len(e.Message), 200)], "")
		}
		return nil, &statusError{code: resp.StatusCode, msg: strings.TrimSpace(msg)}
	}
	return resp, nil
}

func (a *azure) stat(ctx context.Context, key string) (int64, string, error) {
	return restStat(ctx, a.do, "Azure", key)
}

func (a *azure) read(ctx context.Context, key, version string, off int64, dst []byte) error {
	return restRead(ctx, a.do, "Azure", key, version, off, dst)
}

func (a *azure) list(ctx context.Context, prefix string, fn func(string) error) error {
	q := url.Values{"restype": {"container"}, "comp": {"list"}, "prefix": {prefix}}
	for {
		resp, err := a.do(ctx, http.MethodGet, "", q, nil)
		if err != nil {
			return err
		}
		var page struct {
			Blobs []struct {
				// Name is percent-encoded when Encoded (it holds
				// characters XML cannot carry).
				Name struct {
					Encoded bool   `xml:"Encoded,attr"`
					Value   string `xml:",chardata"`
				}
			} `xml:"Blobs>Blob"`
			NextMarker string
		}
		err = xml.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&page)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("reading the Azure listing: %w", err)
		}
		for _, b := range page.Blobs {
			name := b.Name.Value
			if b.Name.Encoded {
				if name, err = url.QueryUnescape(name); err != nil {
					return fmt.Errorf("reading the Azure listing: %w", err)
				}
			}
			if err := fn(name); err != nil {
				return err
			}
		}
		if page.NextMarker == "" {
			return nil
		}
		q.Set("marker", page.NextMarker)
	}
}

func (a *azure) credentials() string { return a.creds }

func (a *azure) close() error { return nil }
