// Package tosca is indigo's TOSCA front end: it reads TOSCA Simple Profile
// in YAML templates (1.0 to 1.3, as the INDIGO PaaS Orchestrator and the
// Infrastructure Manager read them) into the same config.Module an HCL
// deployment has.
//
// Load (and LoadBytes, TemplateLoader) parse with yaml.v3, keeping every
// node's line and column and computing byte offsets, so each diagnostic
// and each expression range points at the YAML. On the way it:
//
//   - resolves imports: relative files are read; the well-known URLs of the
//     INDIGO (indigo-dc/tosca-types), grycap/tosca and grycap/ec3 type
//     definitions map to catalogues embedded in the binary (types/*.yaml,
//     fact catalogues written for indigo); no network is used. A template
//     that imports no catalogue gets the INDIGO types, as the orchestrator
//     gave them implicitly. The normative types are always there.
//   - composes grycap fragments: metadata.parents names templates found
//     beside the child; parents are merged first, the child overrides.
//   - checks the type system (derivation, unknown types, loops), property
//     values against their types (primitive, list and map with
//     entry_schema, scalar units, version, range, timestamp, data types)
//     and constraints, required properties, requirements (resolved by name
//     or by node type, capability and node_filter; cycles rejected).
//   - converts: inputs to config.Variable (constraints become validations
//     over var.NAME), node templates to config.Component, outputs to
//     config.Output, placement policies to TemplateInfo.Placement or
//     Component.Placement. Intrinsic functions become hclsyntax
//     expressions: get_input is var.NAME, get_property and get_attribute
//     are component.NODE.NAME (capability values under
//     component.NODE.capabilities.CAP.NAME), concat a template, join and
//     token function calls.
//
// Decisions worth knowing (docs/tosca.md has the full list): duplicate
// mapping keys are warnings and the later value wins, as YAML 1.1 loaders
// did; YAML 1.1 booleans (yes/no/on/off) are read as booleans where the
// schema says boolean; properties of a type only older catalogue versions
// declared are accepted but never required.
//
// The package does not evaluate expressions, place components or realise
// them as resources (lang/binding does that per site kind).
package tosca
