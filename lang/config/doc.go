// Package config is the configuration model every part of indigo reads.
//
// Both front ends produce it: lang/hcl from *.hcl and *.tf files (and their
// JSON forms), lang/tosca from TOSCA templates. The planner, the validator,
// the ranker and the views consume it. It holds what the user declared, not
// what exists: recorded state lives in package state, evaluated values in the
// planner.
//
// Two rules shape the package:
//
//   - Expressions stay expressions. Resource bodies are kept as hcl.Body and
//     arguments as hcl.Expression, with their source ranges, so they can be
//     evaluated when the values they refer to are known and every problem can
//     be reported at file:line:col.
//   - Addresses are typed, comparable values (ResourceAddr, InstanceAddr,
//     ObjectAddr, ModuleInstance, ...) that print the way a user writes them.
//     They are never passed around as strings and re-parsed.
//
// A deployment is a nested scope, like a module call: its resources,
// components, variables (the template's inputs) and outputs live in the
// child Config reached by Step{Kind: DeploymentStep, Name: name}, and their
// addresses are prefixed with deployment.NAME.
//
// This package does not read files (lang/hcl and lang/tosca do), evaluate
// expressions, or know about providers' schemas.
package config
