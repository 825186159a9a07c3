// Package workflowtest holds the tests of the project's GitHub Actions: every
// action.yml and workflow is linted with the real actionlint, scripts never
// interpolate expressions, third-party actions are pinned by commit SHA, and the
// example workflows run end to end under act.
package workflowtest
