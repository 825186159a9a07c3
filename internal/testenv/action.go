package testenv

import (
	"os"
	"testing"

	"github.com/goccy/go-yaml"
)

// Action is the part of an action.yml that tests read.
type Action struct {
	Inputs map[string]ActionInput `yaml:"inputs"`
	Runs   struct {
		Using string       `yaml:"using"`
		Steps []ActionStep `yaml:"steps"`
	} `yaml:"runs"`
}

// ActionInput is one declared input.
type ActionInput struct {
	Description string `yaml:"description"`
	Required    bool   `yaml:"required"`
	Default     string `yaml:"default"`
}

// ActionStep is one step of a composite action.
type ActionStep struct {
	Name             string            `yaml:"name"`
	ID               string            `yaml:"id"`
	Uses             string            `yaml:"uses"`
	Run              string            `yaml:"run"`
	Env              map[string]string `yaml:"env"`
	With             map[string]string `yaml:"with"`
	WorkingDirectory string            `yaml:"working-directory"`
}

// ReadAction loads the action.yml at path.
func ReadAction(t testing.TB, path string) Action {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var a Action
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return a
}
