package steps

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Runners indigo_step knows.
const (
	RunnerBash    = "bash"
	RunnerAnsible = "ansible"
)

// AnsibleInstall and ProotInstall are how to get ansible-playbook and
// proot on this machine.
const (
	AnsibleInstall = "apt-get install -y ansible-core"
	ProotInstall   = "apt-get install -y proot"
)

// stepResource is indigo_step.
type stepResource struct {
	site site
}

type stepModel struct {
	Implementation       types.String `tfsdk:"implementation"`
	Runner               types.String `tfsdk:"runner"`
	Roles                types.List   `tfsdk:"roles"`
	Inputs               types.Map    `tfsdk:"inputs"`
	Target               types.String `tfsdk:"target"`
	RootFS               types.String `tfsdk:"rootfs"`
	DeleteImplementation types.String `tfsdk:"delete_implementation"`
	Timeout              types.String `tfsdk:"timeout"`
	ContentHash          types.String `tfsdk:"content_hash"`
	LogPath              types.String `tfsdk:"log_path"`
	ID                   types.String `tfsdk:"id"`
}

var (
	_ resource.ResourceWithConfigure   = (*stepResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*stepResource)(nil)
	_ resource.ResourceWithImportState = (*stepResource)(nil)
)

// NewStepResource returns indigo_step, for the provider's Resources list.
func NewStepResource() resource.Resource { return &stepResource{} }

func (r *stepResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_step"
}

func (r *stepResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		Description: "One configuration step run on this machine: a Bash script (inputs in its environment) or an Ansible playbook " +
			"(ansible-playbook -i localhost, -c local; inputs as extra-vars from a file; roles from directories). " +
			"Its output is kept in a log under the provider's root; a failure shows the log's last lines. " +
			"A changed script, role or input replaces the step: the next apply runs it again.",
		Attributes: map[string]schema.Attribute{
			"implementation": schema.StringAttribute{
				Required: true,
				Description: "The script or playbook to run, a file on this machine; relative paths resolve under the provider's root " +
					"(use path.module for a file beside the configuration). URLs are not fetched: vendor the file and name it by its path.",
				Validators:    []validator.String{nonEmpty{}},
				PlanModifiers: replace,
			},
			"runner": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Description: `"bash" or "ansible". Default: "ansible" for a .yml or .yaml implementation, else "bash". ` +
					"Changing it replaces the step.",
				Validators: []validator.String{oneOf{RunnerBash, RunnerAnsible}},
			},
			"roles": schema.ListAttribute{
				ElementType: types.StringType,
				Optional:    true,
				Description: "Ansible role directories the playbook may name (each by its directory's base name); relative paths resolve under the root. " +
					"Their files are part of content_hash.",
				PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplace()},
			},
			"inputs": schema.MapAttribute{
				ElementType: types.StringType,
				Optional:    true,
				Description: "The operation's inputs: environment variables of a Bash script, extra-vars of a playbook. " +
					"Names are identifiers. Changing one replaces the step.",
				Validators:    []validator.Map{inputNames{}},
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()},
			},
			"target": schema.StringAttribute{
				Optional: true,
				Description: "The directory the step runs in (INDIGO_TARGET for scripts, indigo_target for playbooks), created if missing; " +
					"relative paths resolve under the root. Default: the step's own directory.",
				PlanModifiers: replace,
			},
			"rootfs": schema.StringAttribute{
				Optional: true,
				Description: "The root file system of a container (an unpacked OCI bundle's rootfs) to run the step in, with proot and without root: " +
					"a script runs with the image's /bin/sh, target is then a path inside it (default /). Bash steps only. Relative paths resolve under the root. " +
					"Changing it replaces the step.",
				PlanModifiers: replace,
			},
			"delete_implementation": schema.StringAttribute{
				Optional:    true,
				Description: "A script or playbook run, with the same runner, inputs and target, when the step is destroyed (the template's delete operation).",
			},
			"timeout": schema.StringAttribute{
				Optional: true,
				Description: "How long the step (and its delete operation) may run, a duration such as \"30m\"; then it is killed and fails. " +
					"Default: no limit (an interrupted apply still kills it).",
				Validators: []validator.String{duration{}},
			},
			"content_hash": schema.StringAttribute{
				Computed:    true,
				Description: "SHA-256 of what runs: the runner, the implementation and the roles' files, computed when planning.",
			},
			"log_path": schema.StringAttribute{
				Computed:      true,
				Description:   "The step's log (standard output and error), under the provider's root.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"id": schema.StringAttribute{
				Computed:      true,
				Description:   "The step's directory under the root, steps/ID.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *stepResource) Configure(_ context.Context, req resource.ConfigureRequest, _ *resource.ConfigureResponse) {
	if s := siteOf(req.ProviderData); s != nil {
		r.site = s
	}
}

// ModifyPlan settles the runner and computes content_hash from the files:
// a hash other than the one that ran replaces the step.
func (r *stepResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan stepModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var prior *stepModel
	if !req.State.Raw.IsNull() {
		prior = &stepModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, prior)...)
	}
	if plan.Runner.IsUnknown() && !plan.Implementation.IsUnknown() {
		plan.Runner = types.StringValue(defaultRunner(plan.Implementation.ValueString()))
	}
	if prior != nil && !plan.Runner.IsUnknown() && plan.Runner.ValueString() != prior.Runner.ValueString() {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("runner"))
	}
	plan.ContentHash = types.StringUnknown()
	if r.site != nil && known(&plan) {
		files, diags := r.files(&plan)
		resp.Diagnostics.Append(diags...)
		if diags.HasError() {
			return
		}
		if !plan.RootFS.IsNull() && plan.Runner.ValueString() == RunnerAnsible {
			resp.Diagnostics.AddAttributeError(path.Root("rootfs"), "Ansible step in a container",
				"indigo runs only Bash scripts inside a container's root file system (ansible-playbook would need Python in the image). Use a script, or run the playbook on the host.")
			return
		}
		if !plan.RootFS.IsNull() {
			if _, err := lookPath("proot"); err != nil {
				resp.Diagnostics.AddAttributeError(path.Root("rootfs"), "proot not found",
					"A step in a container's root file system runs with proot, which is not installed. Install it: "+ProotInstall+".")
				return
			}
		}
		if plan.Runner.ValueString() == RunnerAnsible {
			if _, err := lookPath("ansible-playbook"); err != nil {
				resp.Diagnostics.AddAttributeError(path.Root("runner"), "ansible-playbook not found",
					"This step is an Ansible playbook, which indigo runs with ansible-playbook on this machine; it is not installed. Install it: "+AnsibleInstall+".")
				return
			}
		}
		sum, err := files.hash()
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("implementation"), "Cannot read the step's files", err.Error())
			return
		}
		plan.ContentHash = types.StringValue(sum)
		if prior == nil && plan.ID.IsUnknown() && allKnown(&plan) {
			id := stepID(&plan, sum)
			if dir, err := r.site.ResolvePath(id); err == nil {
				plan.ID, plan.LogPath = types.StringValue(id), types.StringValue(filepath.Join(dir, "log"))
			}
		}
	}
	if prior != nil && !plan.ContentHash.Equal(prior.ContentHash) {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("content_hash"))
		if !plan.ContentHash.IsUnknown() && !prior.ContentHash.IsNull() {
			resp.Diagnostics.AddWarning("Configuration step will run again",
				fmt.Sprintf("%s (or a role it uses) changed since the step ran: the next apply runs it again.", plan.Implementation.ValueString()))
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// known reports whether everything content_hash depends on is known.
func known(m *stepModel) bool {
	if m.Implementation.IsUnknown() || m.Runner.IsUnknown() || m.Roles.IsUnknown() {
		return false
	}
	for _, r := range m.Roles.Elements() {
		if r.IsUnknown() {
			return false
		}
	}
	return true
}

// allKnown reports whether everything the step's id depends on is known.
func allKnown(m *stepModel) bool {
	if !known(m) || m.Inputs.IsUnknown() || m.Target.IsUnknown() || m.RootFS.IsUnknown() {
		return false
	}
	for _, v := range m.Inputs.Elements() {
		if v.IsUnknown() {
			return false
		}
	}
	return true
}

// stepID names a step's directory after what it runs, where and with
// what (its inputs hashed): the same at plan and apply, so that a create
// interrupted by a crash can be found again (ImportState), and the same
// for one step run again by a replacement.
func stepID(m *stepModel, sum string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%q %q %q %q %q\n", m.Implementation.ValueString(), m.Runner.ValueString(), m.Target.ValueString(), m.RootFS.ValueString(), sum)
	for _, r := range strs(m.Roles) {
		fmt.Fprintf(h, "role %q\n", r)
	}
	in := values(m.Inputs)
	for _, k := range slices.Sorted(maps.Keys(in)) {
		fmt.Fprintf(h, "input %q %q\n", k, in[k])
	}
	return "steps/" + hex.EncodeToString(h.Sum(nil))[:16]
}

func defaultRunner(impl string) string {
	switch strings.ToLower(filepath.Ext(impl)) {
	case ".yml", ".yaml":
		return RunnerAnsible
	}
	return RunnerBash
}

// stepFiles are the files a step runs, resolved.
type stepFiles struct {
	runner string
	impl   string
	roles  []string
}

// files resolves the implementation and roles, each a file or directory on
// this machine; a URL or a missing file is an error that says what to do.
func (r *stepResource) files(m *stepModel) (*stepFiles, diag.Diagnostics) {
	var diags diag.Diagnostics
	f := &stepFiles{runner: m.Runner.ValueString()}
	impl, d := r.local(path.Root("implementation"), m.Implementation.ValueString(), false)
	diags.Append(d...)
	f.impl = impl
	for i, role := range strs(m.Roles) {
		p, d := r.local(path.Root("roles").AtListIndex(i), role, true)
		diags.Append(d...)
		f.roles = append(f.roles, p)
	}
	return f, diags
}

var remote = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*://`)

// local resolves one file or directory of a step.
func (r *stepResource) local(at path.Path, p string, dir bool) (string, diag.Diagnostics) {
	var diags diag.Diagnostics
	what := "file"
	if dir {
		what = "role directory"
	}
	if remote.MatchString(p) {
		diags.AddAttributeError(at, "Step implementation not in the repository",
			fmt.Sprintf("%s is not on this machine, and indigo does not fetch configuration steps over the network. "+
				"Download it into the repository (beside the template) and name it by its path (in a TOSCA template, as the operation's implementation); for a Galaxy role, "+
				"`ansible-galaxy role install -p roles NAME` on a machine with network, then name the role's directory.", p))
		return "", diags
	}
	abs, err := r.site.ResolvePath(p)
	if err != nil {
		diags.AddAttributeError(at, "Invalid path", err.Error())
		return "", diags
	}
	fi, err := os.Stat(abs)
	switch {
	case err != nil && errors.Is(err, fs.ErrNotExist):
		hint := "Check the path, or vendor the file into the repository."
		if dir && !strings.ContainsRune(p, '/') {
			hint = fmt.Sprintf("%s looks like an Ansible Galaxy role, which indigo does not download: run `ansible-galaxy role install -p roles %s` on a machine with network, commit the directory, and name it as the artifact's file.", p, p)
		}
		diags.AddAttributeError(at, "Step "+what+" not found", fmt.Sprintf("%s (%s) does not exist. %s", p, abs, hint))
	case err != nil:
		diags.AddAttributeError(at, "Cannot read the step's "+what, err.Error())
	case dir && !fi.IsDir():
		diags.AddAttributeError(at, "Role is not a directory", fmt.Sprintf("%s is a file; a role is a directory (tasks/main.yml, ...).", abs))
	case !dir && fi.IsDir():
		diags.AddAttributeError(at, "Implementation is a directory", fmt.Sprintf("%s is a directory; name the script or playbook in it.", abs))
	}
	return abs, diags
}

func (r *stepResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan stepModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.site == nil {
		resp.Diagnostics.AddError("Provider not configured", errNotConfigured.Error())
		return
	}
	files, diags := r.files(&plan)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	sum, err := files.hash()
	if err != nil {
		resp.Diagnostics.AddError("Cannot read the step's files", err.Error())
		return
	}
	if !plan.ContentHash.IsUnknown() && plan.ContentHash.ValueString() != sum {
		resp.Diagnostics.AddError("Configuration step changed since the plan",
			fmt.Sprintf("%s (or a role it uses) changed between plan and apply. Plan again.", plan.Implementation.ValueString()))
		return
	}
	id := stepID(&plan, sum)
	dir, err := r.site.ResolvePath(id)
	if err == nil {
		err = r.site.PrepareWrite(dir)
	}
	if err == nil {
		// What an interrupted run of this step left: its process, its
		// directory.
		killRun(dir)
		err = os.RemoveAll(dir)
	}
	if err == nil {
		err = os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		resp.Diagnostics.AddError("Cannot create the step's directory", err.Error())
		return
	}
	plan.ID = types.StringValue(id)
	plan.LogPath = types.StringValue(filepath.Join(dir, "log"))
	plan.ContentHash = types.StringValue(sum)
	run := &execution{runner: files.runner, impl: files.impl, roles: files.roles, inputs: values(plan.Inputs), dir: dir, log: plan.LogPath.ValueString()}
	if err := r.place(run, plan.Target, plan.RootFS); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("target"), "Cannot prepare the step's target", err.Error())
		return
	}
	if err := run.run(ctx, timeout(plan.Timeout)); err != nil {
		// Recorded with its log: the planner taints it, so the
		// component fails and the next apply runs it again.
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		resp.Diagnostics.AddError("Configuration step failed", run.failure(err))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// place sets where a run happens: its target directory, created if
// missing, on this machine or inside a container's root file system.
func (r *stepResource) place(run *execution, target, rootfs types.String) error {
	if rootfs.IsNull() {
		t, err := r.target(target, run.dir)
		run.target = t
		return err
	}
	root, err := r.site.ResolvePath(rootfs.ValueString())
	if err != nil {
		return err
	}
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		return fmt.Errorf("the container's root file system %s is not a directory: %v", root, err)
	}
	inside := "/"
	if t := target.ValueString(); t != "" {
		inside = filepath.Join("/", t)
	}
	run.rootfs, run.target = root, inside
	return os.MkdirAll(filepath.Join(root, inside), 0o755)
}

// target resolves the directory a step runs in and creates it.
func (r *stepResource) target(t types.String, dir string) (string, error) {
	if t.IsNull() || t.ValueString() == "" {
		return dir, nil
	}
	abs, err := r.site.ResolvePath(t.ValueString())
	if err != nil {
		return "", err
	}
	if err := r.site.PrepareWrite(abs); err != nil {
		return "", err
	}
	return abs, os.MkdirAll(abs, 0o755)
}

// Read reports the step gone when its log is: it has not run here.
func (r *stepResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var st stepModel
	resp.Diagnostics.Append(req.State.Get(ctx, &st)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if _, err := os.Stat(st.LogPath.ValueString()); errors.Is(err, fs.ErrNotExist) {
		resp.State.RemoveResource(ctx)
		return
	} else if err != nil {
		resp.Diagnostics.AddError("Cannot read the step's log", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &st)...)
}

// Update changes only delete_implementation; everything else replaces.
func (r *stepResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan stepModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Delete runs delete_implementation, if any, then removes the step's
// directory.
func (r *stepResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var st stepModel
	resp.Diagnostics.Append(req.State.Get(ctx, &st)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.site == nil {
		resp.Diagnostics.AddError("Provider not configured", errNotConfigured.Error())
		return
	}
	dir, err := r.site.ResolvePath(st.ID.ValueString())
	if err != nil || st.ID.ValueString() == "" || !strings.HasPrefix(st.ID.ValueString(), "steps"+string(filepath.Separator)) {
		resp.Diagnostics.AddError("Invalid step id", fmt.Sprintf("%q is not a step directory (steps/ID).", st.ID.ValueString()))
		return
	}
	killRun(dir)
	if del := st.DeleteImplementation.ValueString(); del != "" {
		impl, diags := r.local(path.Root("delete_implementation"), del, false)
		if resp.Diagnostics.Append(diags...); diags.HasError() {
			return
		}
		var roles []string
		for _, role := range strs(st.Roles) {
			if p, err := r.site.ResolvePath(role); err == nil {
				roles = append(roles, p)
			}
		}
		runner := st.Runner.ValueString()
		if st.DeleteImplementation.ValueString() != st.Implementation.ValueString() {
			runner = defaultRunner(del)
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			resp.Diagnostics.AddError("Cannot create the step's directory", err.Error())
			return
		}
		run := &execution{runner: runner, impl: impl, roles: roles, inputs: values(st.Inputs), dir: dir, log: filepath.Join(dir, "delete.log")}
		if err := r.place(run, st.Target, st.RootFS); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("target"), "Cannot prepare the step's target", err.Error())
			return
		}
		if err := run.run(ctx, timeout(st.Timeout)); err != nil {
			resp.Diagnostics.AddError("Configuration step's delete operation failed", run.failure(err))
			return
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		resp.Diagnostics.AddError("Cannot remove the step's directory", err.Error())
	}
}

var importID = regexp.MustCompile(`^steps/[0-9a-f]{16}$`)

// ImportState adopts a step's directory by its id (steps/ID): what the
// planner does with a create a crash interrupted. Only the id and the log
// are known of it, so the next plan replaces it: the step runs again.
func (r *stepResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !importID.MatchString(req.ID) {
		resp.Diagnostics.AddError("Invalid step id", fmt.Sprintf("%q is not a step's id (steps/ and 16 hexadecimal digits, its directory under the root).", req.ID))
		return
	}
	if r.site == nil {
		resp.Diagnostics.AddError("Provider not configured", errNotConfigured.Error())
		return
	}
	dir, err := r.site.ResolvePath(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid step id", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("log_path"), filepath.Join(dir, "log"))...)
}

// timeout is a step's time limit, 0 for none (the validator has checked
// it parses).
func timeout(t types.String) time.Duration {
	d, _ := time.ParseDuration(t.ValueString())
	return d
}

// values are a map of strings' elements (null ones as "").
func values(m types.Map) map[string]string {
	out := map[string]string{}
	for k, v := range m.Elements() {
		if sv, ok := v.(types.String); ok {
			out[k] = sv.ValueString()
		}
	}
	return out
}

// strs are a list of strings' elements.
func strs(l types.List) []string {
	var out []string
	for _, v := range l.Elements() {
		if sv, ok := v.(types.String); ok {
			out = append(out, sv.ValueString())
		}
	}
	return out
}
