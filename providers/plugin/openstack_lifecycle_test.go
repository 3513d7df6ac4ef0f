package plugin

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
	"golang.org/x/crypto/ssh"

	"github.com/indigo-cloud/indigo/internal/osdouble"
)

// TestRealOpenStackLifecycle drives the real OpenStack provider through a
// whole lifecycle against osdouble, an HTTP double of the published
// Keystone, Nova and Neutron APIs: schema, validate, configure, plan, apply,
// read, update in place, import, drift and destroy, checking each step
// against what the double holds.
func TestRealOpenStackLifecycle(t *testing.T) {
	bin := realProvider(t, openstackModule, openstackVer)
	cloud, err := osdouble.Start(osdouble.Config{UserName: "alice", Password: "s3cret", ProjectName: "indigo", Region: "RegionTest"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cloud.Close)
	t.Cleanup(func() {
		if t.Failed() || testing.Verbose() {
			for _, r := range cloud.Requests() {
				t.Logf("double: %s", r)
			}
		}
	})

	p := startOpenStack(t, bin)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := p.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The root URL makes the provider discover the Identity version.
	configureOpenStack(ctx, t, p, s, cloud.URL(), cloud.Config(), "s3cret")

	t.Run("keypair", func(t *testing.T) { testOpenStackKeypair(ctx, t, p, s, cloud) })
	t.Run("network", func(t *testing.T) { testOpenStackNetwork(ctx, t, p, s, cloud) })

	t.Run("wrong password", func(t *testing.T) {
		bad := startOpenStack(t, bin)
		bs, err := bad.Schema(ctx)
		if err != nil {
			t.Fatal(err)
		}
		configureOpenStack(ctx, t, bad, bs, cloud.AuthURL(), cloud.Config(), "not-the-password")
		kp := bs.Resources["openstack_compute_keypair_v2"].Block
		cfg := objectOf(kp, map[string]cty.Value{"name": cty.StringVal("never")})
		null := cty.NullVal(kp.ImpliedType())
		plan := bad.PlanResourceChange(ctx, PlanRequest{Addr: "openstack_compute_keypair_v2.never", TypeName: "openstack_compute_keypair_v2", PriorState: null, ProposedNewState: cfg, Config: cfg})
		if plan.Diagnostics.HasErrors() {
			t.Fatal(plan.Diagnostics.Err())
		}
		apply := bad.ApplyResourceChange(ctx, ApplyRequest{Addr: "openstack_compute_keypair_v2.never", TypeName: "openstack_compute_keypair_v2", PriorState: null, PlannedState: plan.PlannedState, Config: cfg, PlannedPrivate: plan.PlannedPrivate})
		if !apply.Diagnostics.HasErrors() {
			t.Fatalf("apply with a wrong password succeeded: %#v", apply.NewState)
		}
		msg := apply.Diagnostics.Err().Error()
		if !strings.Contains(msg, "401") {
			t.Errorf("the error does not say authentication failed: %s", msg)
		}
		t.Logf("as the user sees it: %s", msg)
		if _, ok := cloud.Keypair("never"); ok {
			t.Errorf("a key pair was created with a wrong password")
		}
	})
}

// startOpenStack starts the provider with the test's environment minus the
// OS_* variables, which the provider would read as credentials.
func startOpenStack(t *testing.T, bin string) *Provider {
	t.Helper()
	cmd := exec.Command(bin)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := Start(ctx, StartOptions{Name: "registry.terraform.io/terraform-provider-openstack/openstack", Cmd: cmd, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func configureOpenStack(ctx context.Context, t *testing.T, p *Provider, s *Schema, authURL string, c osdouble.Config, password string) {
	t.Helper()
	cfg := objectOf(s.Provider, map[string]cty.Value{
		"auth_url":    cty.StringVal(authURL),
		"user_name":   cty.StringVal(c.UserName),
		"password":    cty.StringVal(password),
		"tenant_name": cty.StringVal(c.ProjectName),
		"region":      cty.StringVal(c.Region),
	})
	prepared, diags := p.ValidateProviderConfig(ctx, cfg)
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	if diags := p.ConfigureProvider(ctx, ConfigureRequest{Config: prepared}); diags.HasErrors() {
		t.Fatal(diags.Err())
	}
}

// osLifecycle is one resource's round of calls, with the steps the two
// resources share.
type osLifecycle struct {
	ctx      context.Context
	t        *testing.T
	p        *Provider
	typeName string
	addr     string
	block    *Block
}

func (l osLifecycle) null() cty.Value { return cty.NullVal(l.block.ImpliedType()) }

func (l osLifecycle) validate(cfg cty.Value) {
	l.t.Helper()
	if diags := l.p.ValidateResourceConfig(l.ctx, ValidateRequest{Addr: l.addr, TypeName: l.typeName, Config: cfg}); diags.HasErrors() {
		l.t.Fatal(diags.Err())
	}
}

// plan plans from prior (null to create) to cfg, with the proposed new
// state worked out as the planner does for top-level attributes.
func (l osLifecycle) plan(prior, cfg cty.Value, private []byte) PlanResponse {
	l.t.Helper()
	resp := l.p.PlanResourceChange(l.ctx, PlanRequest{Addr: l.addr, TypeName: l.typeName, PriorState: prior, ProposedNewState: proposedTopLevel(l.block, prior, cfg), Config: cfg, PriorPrivate: private})
	if resp.Diagnostics.HasErrors() {
		l.t.Fatal(resp.Diagnostics.Err())
	}
	return resp
}

func (l osLifecycle) apply(prior, cfg cty.Value, plan PlanResponse) ApplyResponse {
	l.t.Helper()
	resp := l.p.ApplyResourceChange(l.ctx, ApplyRequest{Addr: l.addr, TypeName: l.typeName, PriorState: prior, PlannedState: plan.PlannedState, Config: cfg, PlannedPrivate: plan.PlannedPrivate})
	if resp.Diagnostics.HasErrors() {
		l.t.Fatal(resp.Diagnostics.Err())
	}
	return resp
}

func (l osLifecycle) read(state cty.Value, private []byte) ReadResponse {
	l.t.Helper()
	resp := l.p.ReadResource(l.ctx, ReadRequest{Addr: l.addr, TypeName: l.typeName, PriorState: state, Private: private})
	if resp.Diagnostics.HasErrors() {
		l.t.Fatal(resp.Diagnostics.Err())
	}
	return resp
}

// importAndRead imports id and refreshes what was imported, as
// `indigo import` does.
func (l osLifecycle) importAndRead(id string) cty.Value {
	l.t.Helper()
	imp := l.p.ImportResourceState(l.ctx, ImportRequest{Addr: l.addr, TypeName: l.typeName, ID: id})
	if imp.Diagnostics.HasErrors() {
		l.t.Fatal(imp.Diagnostics.Err())
	}
	if len(imp.Imported) != 1 || imp.Imported[0].TypeName != l.typeName {
		l.t.Fatalf("import of %q returned %+v", id, imp.Imported)
	}
	read := l.read(imp.Imported[0].State, imp.Imported[0].Private)
	if read.NewState.IsNull() {
		l.t.Fatalf("%s %q imported but reads as gone", l.typeName, id)
	}
	return read.NewState
}

// destroy plans and applies the deletion of state.
func (l osLifecycle) destroy(state cty.Value, private []byte) {
	l.t.Helper()
	plan := l.p.PlanResourceChange(l.ctx, PlanRequest{Addr: l.addr, TypeName: l.typeName, PriorState: state, ProposedNewState: l.null(), Config: l.null(), PriorPrivate: private})
	if plan.Diagnostics.HasErrors() || !plan.PlannedState.IsNull() {
		l.t.Fatalf("destroy plan: %#v, %v", plan.PlannedState, plan.Diagnostics.Err())
	}
	resp := l.p.ApplyResourceChange(l.ctx, ApplyRequest{Addr: l.addr, TypeName: l.typeName, PriorState: state, PlannedState: l.null(), Config: l.null(), PlannedPrivate: plan.PlannedPrivate})
	if resp.Diagnostics.HasErrors() || !resp.NewState.IsNull() {
		l.t.Fatalf("destroy: %#v, %v", resp.NewState, resp.Diagnostics.Err())
	}
}

// proposedTopLevel is the protocol's proposed new state for top-level
// attributes: the configuration, with the prior value kept where a computed
// attribute is left null. Blocks come from the configuration. (The
// planner's full version handles nesting; these resources need no more.)
func proposedTopLevel(b *Block, prior, cfg cty.Value) cty.Value {
	if prior.IsNull() {
		return cfg
	}
	vals := cfg.AsValueMap()
	for name, a := range b.Attributes {
		if a.Computed && vals[name].IsNull() {
			vals[name] = prior.GetAttr(name)
		}
	}
	return cty.ObjectVal(vals)
}

// emptyCollections replaces null top-level sets, lists and maps of v with
// empty ones: the difference legacy-SDK providers do not keep.
func emptyCollections(v cty.Value) cty.Value {
	vals := v.AsValueMap()
	for name, a := range vals {
		if !a.IsNull() {
			continue
		}
		switch ty := a.Type(); {
		case ty.IsSetType():
			vals[name] = cty.SetValEmpty(ty.ElementType())
		case ty.IsListType():
			vals[name] = cty.ListValEmpty(ty.ElementType())
		case ty.IsMapType():
			vals[name] = cty.MapValEmpty(ty.ElementType())
		}
	}
	return cty.ObjectVal(vals)
}

func stringAttrOf(v cty.Value, name string) string {
	a := v.GetAttr(name)
	if a.IsNull() || !a.IsKnown() || a.Type() != cty.String {
		return ""
	}
	return a.AsString()
}

func testOpenStackKeypair(ctx context.Context, t *testing.T, p *Provider, s *Schema, cloud *osdouble.Server) {
	rs, ok := s.Resources["openstack_compute_keypair_v2"]
	if !ok {
		t.Fatal("no openstack_compute_keypair_v2")
	}
	l := osLifecycle{ctx: ctx, t: t, p: p, typeName: "openstack_compute_keypair_v2", addr: "openstack_compute_keypair_v2.deploy", block: rs.Block}
	const name = "indigo-deploy"
	// user_id makes the provider ask for compute microversion 2.10.
	cfg := objectOf(rs.Block, map[string]cty.Value{"name": cty.StringVal(name), "user_id": cty.StringVal(cloud.UserID())})
	l.validate(cfg)

	// Create: the double generates the key pair; the state gets its
	// private key, once.
	plan := l.plan(l.null(), cfg, nil)
	for _, attr := range []string{"id", "fingerprint", "public_key", "private_key"} {
		if v := plan.PlannedState.GetAttr(attr); v.IsKnown() {
			t.Errorf("planned %s = %#v, want unknown until apply", attr, v)
		}
	}
	created := l.apply(l.null(), cfg, plan)
	stored, ok := cloud.Keypair(name)
	if !ok {
		t.Fatalf("after apply the double holds %+v, want key pair %q", cloud.Keypairs(), name)
	}
	state := created.NewState
	if stringAttrOf(state, "id") != name || stringAttrOf(state, "fingerprint") != stored.Fingerprint || stringAttrOf(state, "public_key") != stored.PublicKey {
		t.Errorf("state after create = id %q fingerprint %q public_key %q; the double holds %+v", stringAttrOf(state, "id"), stringAttrOf(state, "fingerprint"), stringAttrOf(state, "public_key"), stored)
	}
	if stringAttrOf(state, "region") != cloud.Config().Region || stored.UserID != cloud.UserID() || stringAttrOf(state, "user_id") != stored.UserID {
		t.Errorf("state region %q user_id %q, the double's key pair %+v, want region %q", stringAttrOf(state, "region"), stringAttrOf(state, "user_id"), stored, cloud.Config().Region)
	}
	priv, err := ssh.ParsePrivateKey([]byte(stringAttrOf(state, "private_key")))
	if err != nil {
		t.Fatalf("the private key in the state does not parse: %v", err)
	}
	if got := ssh.FingerprintLegacyMD5(priv.PublicKey()); got != stored.Fingerprint {
		t.Errorf("the state's private key has fingerprint %s, the stored public key %s", got, stored.Fingerprint)
	}

	// Refresh: nothing changed in the cloud, nothing changes in the state.
	read := l.read(state, created.Private)
	if !read.NewState.RawEquals(state) {
		t.Errorf("refresh changed the state:\n got %#v\nwant %#v", read.NewState, state)
	}
	// A plan against the same configuration is a no-op.
	if again := l.plan(read.NewState, cfg, read.Private); !again.PlannedState.RawEquals(read.NewState) || len(again.RequiresReplace) != 0 {
		t.Errorf("re-plan is not a no-op: %#v, replace %v", again.PlannedState, again.RequiresReplace)
	}

	// Import by name: the same key pair, less the private key (Nova returns
	// it only to the create).
	imported := l.importAndRead(name)
	for _, attr := range []string{"id", "name", "public_key", "fingerprint", "region"} {
		if got, want := stringAttrOf(imported, attr), stringAttrOf(state, attr); got != want {
			t.Errorf("imported %s = %q, want %q", attr, got, want)
		}
	}
	if stringAttrOf(imported, "private_key") != "" {
		t.Errorf("an imported key pair has a private key")
	}

	// Drift: the key pair is deleted behind the provider's back; a refresh
	// says it is gone, and a new plan and apply create it again.
	if !cloud.DeleteKeypair(name) {
		t.Fatal("the double lost the key pair before the drift step")
	}
	if gone := l.read(state, created.Private); !gone.NewState.IsNull() {
		t.Fatalf("refresh of a deleted key pair = %#v, want null", gone.NewState)
	}
	recreated := l.apply(l.null(), cfg, l.plan(l.null(), cfg, nil))
	again, ok := cloud.Keypair(name)
	if !ok || again.Fingerprint == stored.Fingerprint || stringAttrOf(recreated.NewState, "fingerprint") != again.Fingerprint {
		t.Errorf("recreate after drift: double %+v (%v), state fingerprint %q, first fingerprint %q", again, ok, stringAttrOf(recreated.NewState, "fingerprint"), stored.Fingerprint)
	}

	// Destroy: the double holds no key pair.
	l.destroy(recreated.NewState, recreated.Private)
	if left := cloud.Keypairs(); len(left) != 0 {
		t.Errorf("after destroy the double holds %+v", left)
	}

	// A key pair made from the user's own public key (microversion 2.1):
	// the double stores that key, the state shows the double's fingerprint.
	pub := priv.PublicKey()
	pubText := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
	own := osLifecycle{ctx: ctx, t: t, p: p, typeName: l.typeName, addr: "openstack_compute_keypair_v2.own", block: rs.Block}
	ownCfg := objectOf(rs.Block, map[string]cty.Value{"name": cty.StringVal("indigo-own"), "public_key": cty.StringVal(pubText)})
	own.validate(ownCfg)
	ownState := own.apply(own.null(), ownCfg, own.plan(own.null(), ownCfg, nil))
	kp, ok := cloud.Keypair("indigo-own")
	if !ok || kp.PublicKey != pubText || kp.Fingerprint != ssh.FingerprintLegacyMD5(pub) {
		t.Fatalf("after apply the double holds %+v, want indigo-own with the given key", cloud.Keypairs())
	}
	if stringAttrOf(ownState.NewState, "fingerprint") != kp.Fingerprint || stringAttrOf(ownState.NewState, "private_key") != "" {
		t.Errorf("state of an imported public key: %#v", ownState.NewState)
	}
	own.destroy(ownState.NewState, ownState.Private)
	if left := cloud.Keypairs(); len(left) != 0 {
		t.Errorf("after destroy the double holds %+v", left)
	}
}

func testOpenStackNetwork(ctx context.Context, t *testing.T, p *Provider, s *Schema, cloud *osdouble.Server) {
	rs, ok := s.Resources["openstack_networking_network_v2"]
	if !ok {
		t.Fatal("no openstack_networking_network_v2")
	}
	l := osLifecycle{ctx: ctx, t: t, p: p, typeName: "openstack_networking_network_v2", addr: "openstack_networking_network_v2.lab", block: rs.Block}
	cfg := objectOf(rs.Block, map[string]cty.Value{"name": cty.StringVal("indigo-lab"), "admin_state_up": cty.True})
	l.validate(cfg)

	plan := l.plan(l.null(), cfg, nil)
	if id := plan.PlannedState.GetAttr("id"); id.IsKnown() {
		t.Errorf("planned id %#v, want unknown", id)
	}
	created := l.apply(l.null(), cfg, plan)
	id := stringAttrOf(created.NewState, "id")
	net, ok := cloud.Network(id)
	if !ok || net.Name != "indigo-lab" || !net.AdminStateUp || net.ProjectID != cloud.ProjectID() {
		t.Fatalf("after apply the state's id is %q and the double holds %+v", id, cloud.Networks())
	}
	if got := created.NewState.GetAttr("mtu"); !got.RawEquals(cty.NumberIntVal(int64(net.MTU))) {
		t.Errorf("state mtu = %#v, the double says %d", got, net.MTU)
	}

	// A legacy-SDK provider may turn a null set into an empty one on
	// refresh (Terraform tolerates it under the legacy type system).
	read := l.read(created.NewState, created.Private)
	if !emptyCollections(read.NewState).RawEquals(emptyCollections(created.NewState)) {
		t.Errorf("refresh changed the state:\n got %#v\nwant %#v", read.NewState, created.NewState)
	}

	// Update in place: a new name and the network administratively down.
	cfg2 := objectOf(rs.Block, map[string]cty.Value{"name": cty.StringVal("indigo-lab-2"), "admin_state_up": cty.False})
	l.validate(cfg2)
	upd := l.plan(read.NewState, cfg2, read.Private)
	if len(upd.RequiresReplace) != 0 {
		t.Fatalf("renaming a network requires replacement: %v", upd.RequiresReplace)
	}
	if stringAttrOf(upd.PlannedState, "id") != id {
		t.Errorf("the update plan changes the id to %#v", upd.PlannedState.GetAttr("id"))
	}
	updated := l.apply(read.NewState, cfg2, upd)
	net, ok = cloud.Network(id)
	if !ok || net.Name != "indigo-lab-2" || net.AdminStateUp || net.RevisionNumber != 1 {
		t.Fatalf("after the update the double holds %+v", cloud.Networks())
	}
	if len(cloud.Networks()) != 1 {
		t.Errorf("the update created or removed networks: %+v", cloud.Networks())
	}
	if stringAttrOf(updated.NewState, "name") != "indigo-lab-2" || !updated.NewState.GetAttr("admin_state_up").RawEquals(cty.False) {
		t.Errorf("state after update = %#v", updated.NewState)
	}

	// Import by id gives the same state a refresh does.
	imported := l.importAndRead(id)
	for _, attr := range []string{"id", "name", "region", "tenant_id"} {
		if got, want := stringAttrOf(imported, attr), stringAttrOf(updated.NewState, attr); got != want {
			t.Errorf("imported %s = %q, want %q", attr, got, want)
		}
	}
	if !imported.GetAttr("admin_state_up").RawEquals(cty.False) {
		t.Errorf("imported admin_state_up = %#v", imported.GetAttr("admin_state_up"))
	}

	// Destroy.
	l.destroy(updated.NewState, updated.Private)
	if left := cloud.Networks(); len(left) != 0 {
		t.Errorf("after destroy the double holds %+v", left)
	}
	// Drift after the fact: refreshing the destroyed network's old state
	// says it is gone.
	if gone := l.read(updated.NewState, updated.Private); !gone.NewState.IsNull() {
		t.Errorf("refresh of a deleted network = %#v, want null", gone.NewState)
	}
}
