# Drafts the embedded fact catalogues from published TOSCA type files:
# type names, derivation, property schemas, requirements, capabilities,
# artifacts and operation implementations; descriptions and operation
# inputs are dropped. The output is reviewed and edited by hand (see the
# "Added for indigo" entries); see docs/tosca.md. Not used by the build.
#   python3 draft_catalogue.py OUTDIR   (reads ../shared/corpus/tosca/types)
# Draft the fact catalogues (names, derivation, property schemas) from the
# published type files. Descriptions and operation inputs are dropped.
import yaml, sys, re, json
from collections import OrderedDict
B='../shared/corpus/tosca/types/'

def conv(n):
    if isinstance(n, yaml.ScalarNode):
        return ('S', n.value, n.style)
    if isinstance(n, yaml.SequenceNode):
        return [conv(x) for x in n.value]
    d = OrderedDict()
    for k, v in n.value:
        d[k.value] = conv(v)
    return d

def load(path):
    return conv(yaml.compose(open(B+path)))

SECTIONS=['data_types','artifact_types','capability_types','interface_types','relationship_types','node_types','group_types','policy_types']

def strip(sec, name, t):
    out=OrderedDict()
    if not isinstance(t, dict): return out
    for k in ['derived_from','version','properties','attributes','requirements','capabilities','artifacts','interfaces','valid_target_types','valid_source_types','targets','members','entry_schema','constraints','mime_type','file_ext']:
        if k not in t: continue
        v=t[k]
        if k in ('properties','attributes') and isinstance(v,dict):
            pv=OrderedDict()
            for pn,pd in v.items():
                if isinstance(pd,dict):
                    pd=OrderedDict((a,b) for a,b in pd.items() if a not in ('description','status'))
                pv[pn]=pd
            v=pv
        if k=='capabilities' and isinstance(v,dict):
            cv=OrderedDict()
            for cn,cd in v.items():
                if isinstance(cd,dict):
                    cd=OrderedDict((a,b) for a,b in cd.items() if a!='description')
                cv[cn]=cd
            v=cv
        if k=='interfaces' and isinstance(v,dict):
            iv=OrderedDict()
            for iname,idef in v.items():
                if not isinstance(idef,dict): continue
                ops=OrderedDict()
                for on,od in idef.items():
                    if on in ('type',):
                        ops[on]=od; continue
                    if on in ('inputs','description'): continue
                    if isinstance(od,dict):
                        if 'implementation' in od: ops[on]=od['implementation']
                        else: ops[on]=OrderedDict()
                    else: ops[on]=od
                iv[iname]=ops
            v=iv
        if k=='artifacts' and isinstance(v,dict):
            av=OrderedDict()
            for an,ad in v.items():
                if isinstance(ad,dict):
                    ad=OrderedDict((a,b) for a,b in ad.items() if a in ('type','file','repository','deploy_path'))
                av[an]=ad
            v=av
        out[k]=v
    if sec=='interface_types':
        for on,od in t.items():
            if on in ('derived_from','description','inputs'): continue
            out[on]=OrderedDict()
    return out

def merge(files):
    cat=OrderedDict((s,OrderedDict()) for s in SECTIONS)
    latest={}
    for f in files:
        d=load(f)
        for s in SECTIONS:
            for name,t in (d.get(s) or {}).items():
                if isinstance(t,dict):
                    latest[(s,name)]=set((t.get('properties') or {}).keys()) if isinstance(t.get('properties'),dict) else set()
    cat=_merge(files)
    # A property only older versions of a type declare stays legal but is
    # never required: templates written for the newest version omit it.
    for s in SECTIONS:
        for name,t in cat[s].items():
            props=t.get('properties')
            if not isinstance(props,dict): continue
            for pn,pd in props.items():
                if pn not in latest.get((s,name),set()) and isinstance(pd,dict):
                    pd['required']=('S','false',None)
    return cat

def _merge(files):
    cat=OrderedDict((s,OrderedDict()) for s in SECTIONS)
    for f in files:
        d=load(f)
        for s in SECTIONS:
            for name,t in (d.get(s) or {}).items():
                t=strip(s,name,t)
                if name in cat[s]:
                    old=cat[s][name]
                    for k,v in t.items():
                        if k in ('properties','attributes','capabilities','artifacts') and isinstance(old.get(k),dict) and isinstance(v,dict):
                            nv=OrderedDict(old[k]); nv.update(v); old[k]=nv
                        else: old[k]=v
                else:
                    cat[s][name]=t
    return cat

SAFE=re.compile(r'^[A-Za-z0-9_./@+-][A-Za-z0-9_./@+: -]*$')
def sc(v):
    tag,val,style=v
    if style is None and SAFE.match(val) and not val.endswith(' ') and ': ' not in val and not val.endswith(':'):
        return val
    return json.dumps(val, ensure_ascii=False)

def flow(v):
    if isinstance(v,tuple): return sc(v)
    if isinstance(v,list): return '['+', '.join(flow(x) for x in v)+']'
    return '{'+', '.join(k+': '+flow(x) for k,x in v.items())+'}'

def emit(cat, out, header):
    w=out.write
    w(header)
    w('tosca_definitions_version: tosca_simple_yaml_1_0\n')
    for s in SECTIONS:
        if not cat[s]: continue
        w('\n%s:\n' % s)
        for name,t in cat[s].items():
            w('  %s:\n' % name)
            if not t:
                w('    {}\n'.replace('    {}','    derived_from: tosca.nodes.Root') if False else '')
            for k,v in t.items():
                if isinstance(v,dict) and k in ('properties','attributes','capabilities','artifacts','interfaces'):
                    if not v: continue
                    w('    %s:\n' % k)
                    for kk,vv in v.items():
                        if k=='interfaces' and isinstance(vv,dict):
                            w('      %s:\n' % kk)
                            for on,od in vv.items():
                                w('        %s: %s\n' % (on, flow(od)))
                        else:
                            w('      %s: %s\n' % (kk, flow(vv)))
                elif k=='requirements' and isinstance(v,list):
                    w('    requirements:\n')
                    for r in v:
                        for rn,rd in r.items():
                            if isinstance(rd,dict): rd=OrderedDict((a,b) for a,b in rd.items() if a!='description')
                            w('      - %s: %s\n' % (rn, flow(rd)))
                elif isinstance(v,dict) and s=='interface_types':
                    w('    %s: %s\n' % (k, flow(v)))
                else:
                    w('    %s: %s\n' % (k, flow(v)))

import os
dst=sys.argv[1]
hdr=lambda what: ('# %s\n#\n# A fact catalogue: type names, derivation, property and attribute schemas\n# (type, required, default, constraints, entry_schema), requirements,\n# capabilities, artifacts and operation implementations as published.\n# No descriptions. Written for indigo in its own layout; regenerate the\n# draft with the note in docs/tosca.md and review by hand.\n\n' % what)
iv=['v1.0.1','v2.0.0','v2.1.0','v3.0.0','v4.0.0','v4.0.1','dodas_roll','add-ek','devel','master']
emit(merge(['indigo-dc/tosca-types/%s/custom_types.yaml'%v for v in iv]), open(dst+'/indigo.yaml','w'), hdr('INDIGO-DataCloud custom types (indigo-dc/tosca-types, union of v1 to master)'))
emit(merge(['grycap/tosca/main/custom_types.yaml']), open(dst+'/grycap.yaml','w'), hdr('grycap/tosca custom types (the IM and IM Dashboard fork of the INDIGO types)'))
emit(merge(['grycap/ec3/tosca_ha/tosca/custom_types.yaml','grycap/ec3/tosca/tosca/custom_types.yaml']), open(dst+'/ec3.yaml','w'), hdr('grycap/ec3 custom types (branches tosca and tosca_ha)'))
emit(merge(['indigo-dc/orchestrator/master/src/main/resources/tosca-definitions/tosca-normative-types-1.0.0.yaml']), open(dst+'/normative-draft.yaml','w'), hdr('TOSCA Simple Profile normative types'))
