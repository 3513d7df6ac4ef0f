package kubernetes

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
)

// FieldManager is the server-side apply field manager indigo applies as.
const FieldManager = "indigo"

// Site is what the provider configuration gives kubernetes resources: the
// kubeconfig, context and default namespace, and the clients made from
// them on first use.
type Site struct {
	configPath string // "" : KUBECONFIG, then ~/.kube/config
	context    string // "" : the current context
	namespace  string // "" : the context's namespace, else "default"
	// unknown is set when the configuration holds values not known until
	// apply; resources then fail when they need the cluster.
	unknown bool

	once    sync.Once
	cluster *Cluster
	err     error
}

// siteHolder is what resources expect the provider's resource data to be.
type siteHolder interface{ KubeSite() *Site }

func siteOf(providerData any) *Site {
	if h, ok := providerData.(siteHolder); ok {
		return h.KubeSite()
	}
	return nil
}

// Cluster is one cluster's clients, ready to use.
type Cluster struct {
	// Server is the API server's URL; Context the kubeconfig context.
	Server, Context string
	// Namespace is where namespaced objects without one go.
	Namespace string
	dyn       dynamic.Interface
	mapper    *restmapper.DeferredDiscoveryRESTMapper
}

// String names the cluster the way messages do.
func (c *Cluster) String() string {
	if c.Context != "" {
		return fmt.Sprintf("the Kubernetes API server %s (context %q)", c.Server, c.Context)
	}
	return "the Kubernetes API server " + c.Server
}

// Cluster returns the site's clients, loading the kubeconfig the first time.
func (s *Site) Cluster() (*Cluster, error) {
	if s == nil {
		return nil, errors.New("the indigo provider is not configured")
	}
	if s.unknown {
		return nil, errors.New("the indigo provider's kubernetes settings are not known yet (they depend on values computed during apply)")
	}
	s.once.Do(func() { s.cluster, s.err = s.load() })
	return s.cluster, s.err
}

func (s *Site) load() (*Cluster, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	where := "the kubeconfig (KUBECONFIG, then ~/.kube/config)"
	if s.configPath != "" {
		rules.ExplicitPath = s.configPath
		where = "the kubeconfig " + s.configPath
	}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: s.context})
	raw, err := cc.RawConfig()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w. Set config_path in the provider's kubernetes block, or KUBECONFIG", where, err)
	}
	ctxName := s.context
	if ctxName == "" {
		ctxName = raw.CurrentContext
	}
	cfg, err := cc.ClientConfig()
	if err != nil {
		if clientcmd.IsEmptyConfig(err) {
			return nil, fmt.Errorf("no Kubernetes cluster is configured: %s has none. Set KUBECONFIG, or config_path in the provider's kubernetes block", where)
		}
		return nil, fmt.Errorf("using context %q of %s: %w. Set config_context in the provider's kubernetes block to a context the file has", ctxName, where, err)
	}
	ns := s.namespace
	if ns == "" {
		if n, _, err := cc.Namespace(); err == nil && n != "" {
			ns = n
		} else {
			ns = "default"
		}
	}
	cfg = rest.CopyConfig(cfg)
	cfg.UserAgent = "indigo"
	// Many objects are applied in parallel; client-go's default 5 QPS
	// would make a plan of a hundred Deployments wait on the client.
	cfg.QPS, cfg.Burst = 100, 200
	// A server that does not answer fails the call instead of hanging
	// the run (waits poll with short calls).
	cfg.Timeout = 30 * time.Second
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("making a client for %s: %w", cfg.Host, err)
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("making a client for %s: %w", cfg.Host, err)
	}
	return &Cluster{
		Server: cfg.Host, Context: ctxName, Namespace: ns, dyn: dyn,
		mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc)),
	}, nil
}

// mapping finds the resource of a kind and whether it is namespaced; a
// kind the cached discovery does not know is looked up again once (a CRD
// created since).
func (c *Cluster) mapping(gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
	m, err := c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if meta.IsNoMatchError(err) {
		c.mapper.Reset()
		m, err = c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	}
	return m, err
}

// resource returns the dynamic client of one object's resource.
func (c *Cluster) resource(m *meta.RESTMapping, namespace string) dynamic.ResourceInterface {
	r := c.dyn.Resource(m.Resource)
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		return r.Namespace(namespace)
	}
	return r
}
