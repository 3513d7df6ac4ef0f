// Package eval evaluates the expressions of a configuration.
//
// A Scope turns the references an expression makes (var.x, local.y,
// aws_instance.z, module.m.out, site.s, ...) into an hcl.EvalContext by
// asking a Data implementation for their values, with the function library
// of package funcs. The planner implements Data with recorded and planned
// values; Validate implements it with unknown values, evaluating every
// expression of every module once, as terraform validate does, so that
// references to undeclared objects, type errors and failing function calls
// are found before anything is planned.
//
// The package also computes the static references between the objects of a
// module (ModuleGraph) and reports dependency cycles (Cycles).
//
// It does not read files (lang/hcl does), talk to providers, or decide the
// order of a plan (the planner does).
package eval
