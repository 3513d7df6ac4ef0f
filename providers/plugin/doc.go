// Package plugin is indigo's client for provider plugins: it starts a
// Terraform/OpenTofu provider binary with hashicorp/go-plugin, speaks the
// Terraform plugin protocol to it (version 6 or 5, whichever the provider
// offers) and hands everything back as cty values and plain Go types. Any
// provider binary built for Terraform or OpenTofu works unchanged.
//
// The flow, for one provider:
//
//	p, err := plugin.Start(ctx, plugin.StartOptions{Name: addr, Cmd: cmd, Cache: cache, CacheKey: sha})
//	defer p.Close()
//	schema, err := p.Schema(ctx)              // from the cache when possible
//	cfg, diags := p.ValidateProviderConfig(ctx, providerBlockValue)
//	diags = p.ConfigureProvider(ctx, plugin.ConfigureRequest{Config: cfg})
//	resp := p.PlanResourceChange(ctx, plugin.PlanRequest{Addr: "local_file.a", ...})
//
// Values: every value is a cty.Value of the type its schema implies
// (Block.ImpliedType); cty.NilVal stands for null. Marks (sensitive) cannot
// cross the process boundary: they are stripped from what is sent, and what
// comes back is unmarked; the caller re-applies them, with
// Block.SensitivePaths for the attributes the provider declares sensitive.
// Unknown values travel both ways. Block.DecoderSpec decodes an hcl.Body
// written against a schema.
//
// Errors: calls about configuration or resources return Diagnostics, the
// provider's own (with attribute paths as cty.Path) plus, when the call
// itself failed, one error Diagnostic whose Err is a *CallError: the
// provider crashed (ErrProviderExited), did not answer before the context
// ended, answered with something that does not decode (ErrInvalidResponse),
// or does not implement the operation (errors.ErrUnsupported). A CallError
// names the provider, the resource address and the operation, and carries
// the tail of the provider's stderr. Nothing a provider sends can make this
// package panic.
//
// Lifecycle: a Provider is one process. Its methods are safe for concurrent
// use. Close kills the process if it does not exit when asked and waits for
// every goroutine Start created; after Close, calls fail with ErrClosed. A
// context that ends while the provider is starting kills it.
//
// Caches: StartOptions.Cache keeps the schema on disk (SchemaCache);
// StartOptions.Answers keeps, between runs, the answers that are pure
// functions of their inputs (validations without errors, plans that change
// nothing of an object ReadResource has just found unchanged), so that a
// plan with nothing to do costs one call per resource (AnswerCache says
// when an answer is kept and used). Both are keyed by StartOptions.CacheKey.
//
// Logging: the provider's stderr and log lines go to StartOptions.Logger at
// their level (plain lines at debug); the last 4 KiB of stderr, minus debug
// and trace log lines, are kept for error messages.
//
// This package does not find, download or verify provider binaries
// (providers/install does), does not decide what to plan (the planner does),
// and does not merge configuration with prior state into a proposed new
// state: PlanRequest takes that from the caller. It implements the protocol's
// resource, data source and function RPCs; ephemeral resources, list
// resources, actions, state stores, resource identity and deferred actions
// are not implemented yet (see docs/providers-protocol.md).
//
// The protocol definitions are internal/tfplugin5 and internal/tfplugin6,
// generated from .proto files written here; go generate ./providers/plugin/...
// regenerates them.
package plugin
