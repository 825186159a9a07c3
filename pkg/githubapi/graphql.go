package githubapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// minimizeMutation hides a comment as outdated; REST has no equivalent.
const minimizeMutation = `mutation($id: ID!) { minimizeComment(input: {subjectId: $id, classifier: OUTDATED}) { minimizedComment { isMinimized } } }`

// minimize hides one comment through the GraphQL API.
func (c *Client) minimize(ctx context.Context, nodeID string) error {
	if nodeID == "" {
		return errors.New("comment has no node id")
	}
	payload, err := json.Marshal(map[string]any{"query": minimizeMutation, "variables": map[string]string{"id": nodeID}})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.graphqlURL, bytes.NewReader(payload))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "mlgate")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("GraphQL %s: %w", c.graphqlURL, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("GraphQL %s: %w", c.graphqlURL, err)
	}
	if resp.StatusCode == http.StatusForbidden {
		return fmt.Errorf("GraphQL %s: %w", c.graphqlURL, errForbidden)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GraphQL %s: %s", c.graphqlURL, resp.Status)
	}
	var out struct {
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return fmt.Errorf("GraphQL %s: answer is not JSON: %w", c.graphqlURL, err)
	}
	if len(out.Errors) > 0 {
		msgs := make([]string, 0, len(out.Errors))
		for _, e := range out.Errors {
			msgs = append(msgs, e.Message)
		}
		return fmt.Errorf("GraphQL minimizeComment: %s", strings.Join(msgs, "; "))
	}
	return nil
}
