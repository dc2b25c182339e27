package webapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/bpfc/bpfc/runtime/deploy"
)

// Client talks to a bpfc serve (or its Dataverse-shaped API): what the CLI
// uses for an environment with url = "http://…".
type Client struct {
	URL   string       // the server, e.g. http://127.0.0.1:8080 (the API prefix is added)
	Token string       // a bearer token (bpfc user token)
	HTTP  *http.Client // default: a client with a 10-minute timeout
}

// APIError is an error response of the API.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s (HTTP %d %s)", e.Message, e.Status, e.Code)
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 10 * time.Minute}
}

// Do sends a request to path (under the API prefix) with body as JSON (nil:
// none) and decodes a JSON answer into out (nil: discarded). An error
// answer is an *APIError; with errBody set, its body is decoded there too.
func (c *Client) Do(ctx context.Context, method, path string, body, out, errBody any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.URL, "/")+Prefix+strings.TrimPrefix(path, "/"), rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := c.http().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return resp, err
	}
	if resp.StatusCode >= 400 {
		var eb ErrorBody
		if json.Unmarshal(data, &eb) != nil || eb.Error.Code == "" {
			return resp, &APIError{Status: resp.StatusCode, Code: http.StatusText(resp.StatusCode), Message: strings.TrimSpace(string(data))}
		}
		if errBody != nil {
			_ = json.Unmarshal(data, errBody)
		}
		return resp, &APIError{Status: resp.StatusCode, Code: eb.Error.Code, Message: eb.Error.Message}
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp, fmt.Errorf("%s %s: the answer is not JSON: %w", method, path, err)
		}
	}
	return resp, nil
}

// Import deploys a build's archive (of the remote environment's flavour)
// with its model. The Result says what happened, also when the import was
// refused (the error then says why).
func (c *Client) Import(ctx context.Context, b *deploy.Build, managed bool, mode deploy.Mode, settings map[string]string, who string) (*deploy.Result, error) {
	arch := b.Unmanaged
	if managed {
		arch = b.Managed
	}
	if arch.Data == nil {
		return nil, fmt.Errorf("build %s has no %s archive", b.Digest, map[bool]string{true: "managed", false: "unmanaged"}[managed])
	}
	req := ImportRequest{CustomizationFile: base64.StdEncoding.EncodeToString(arch.Data), ArchiveName: arch.Name,
		Model: base64.StdEncoding.EncodeToString(b.Model), Digest: b.Digest, Mode: string(mode), Settings: settings, Who: who}
	var res deploy.Result
	var failed ImportResponse
	_, err := c.Do(ctx, http.MethodPost, "ImportSolution", req, &res, &failed)
	if err != nil {
		if failed.Result != nil {
			return failed.Result, err
		}
		return nil, err
	}
	return &res, nil
}
