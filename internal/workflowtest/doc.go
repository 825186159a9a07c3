// Package workflowtest holds the tests of the project's GitHub Actions: every
// action.yml and workflow is linted with the real actionlint, scripts never
// interpolate expressions, third-party actions are pinned by commit SHA, and the
// example workflows run end to end under act.
//
// The slow tests (act runs, builds of mlgate) run in parallel: each has its
// own repositories, act action and tool caches, and servers, and what they
// share is built once for the package (sharedBuild, sharedDist).
package workflowtest
