# Varied gradient-check cases (apd-gradcheck/1) from PyTorch, for Apd.Engine.Tests/Cli/GradcheckCommandTests.cs:
#   /usr/bin/python3 Apd.Engine.Tests/Fixtures/torch/gradcheck_varied.py Apd.Engine.Tests/Fixtures/gradcheck/torch-varied.json
# Every op of the format with attributes drawn at random (seeded): convolutions and max-pools with strides 1-3,
# asymmetric padding and non-square kernels, LRN radii 0-4, one-class and one-row losses, scalar losses written
# with PyTorch's rank-0 shape []. Inputs are float32 values; expected outputs are computed in float64.
import json, random, sys
import torch, torch.nn.functional as F
torch.set_default_dtype(torch.float64)
rng = random.Random(20261128)
g = torch.Generator().manual_seed(77)
def t32(*shape, scale=1.0):
    return (torch.randn(*shape, generator=g) * scale).float().double()
def T(x):
    # float32 inputs round-trip through 9 significant digits; float64 results keep 12 (the tolerances are 1e-4 and up)
    return {"shape": list(x.shape), "data": [float("%.12g" % v) for v in x.detach().reshape(-1).tolist()]}
cases = []
def add(name, op, attrs, inputs, expected, tol=(1e-4, 1e-3)):
    cases.append({"name": name, "op": op, "attrs": attrs, "inputs": {k: T(v) for k, v in inputs.items()},
                  "expected": {k: T(v) for k, v in expected.items()}, "tolerance": {"abs": tol[0], "rel": tol[1]}})
def grads(outs, ins, gy):
    return torch.autograd.grad(outs, ins, gy, allow_unused=False)
# dense
for (n,i,o) in [(1,1,1),(7,13,5),(8,24,10),(3,70,9)]:
    x,w,b,gy = t32(n,i),t32(i,o,scale=0.1),t32(o),t32(n,o)
    for v in (x,w,b): v.requires_grad_()
    y = x@w+b; dx,dw,db = grads(y,(x,w,b),gy)
    add(f"dense/{n}x{i}x{o}","dense",{},dict(x=x,w=w,b=b,gy=gy),dict(y=y,dx=dx,dw=dw,db=db))
def conv(x,w,b,stride,pad):
    xp = F.pad(x,(pad[2],pad[3],pad[0],pad[1]))
    return F.conv2d(xp,w,b,stride=stride)
for k in range(10):
    n=rng.randint(1,3); c=rng.randint(1,4); h=rng.randint(3,11); wd=rng.randint(3,11); o=rng.randint(1,5)
    kh=rng.randint(1,min(5,h)); kw=rng.randint(1,min(5,wd)); s=[rng.randint(1,3),rng.randint(1,3)]
    pad=[rng.randint(0,kh-1),rng.randint(0,kh-1),rng.randint(0,kw-1),rng.randint(0,kw-1)]
    x,w,b = t32(n,c,h,wd),t32(o,c,kh,kw,scale=0.3),t32(o)
    for v in (x,w,b): v.requires_grad_()
    y = conv(x,w,b,s,pad); gy=t32(*y.shape)
    dx,dw,db = grads(y,(x,w,b),gy)
    add(f"conv2d/r{k}-{n}x{c}x{h}x{wd}-o{o}-k{kh}x{kw}-s{s[0]}{s[1]}-p{''.join(map(str,pad))}","conv2d",{"stride":s,"pad":pad},dict(x=x,w=w,b=b,gy=gy),dict(y=y,dx=dx,dw=dw,db=db))
for k in range(6):
    n=rng.randint(1,2); c=rng.randint(1,3); h=rng.randint(2,9); wd=rng.randint(2,9)
    kh=rng.randint(1,min(3,h)); kw=rng.randint(1,min(3,wd)); s=[rng.randint(1,3),rng.randint(1,3)]
    pad=[rng.randint(0,kh-1),rng.randint(0,kh-1),rng.randint(0,kw-1),rng.randint(0,kw-1)]
    x = t32(n,c,h,wd).requires_grad_()
    xp = F.pad(x,(pad[2],pad[3],pad[0],pad[1]),value=float('-inf'))
    y = F.max_pool2d(xp,(kh,kw),stride=s); gy=t32(*y.shape)
    dx, = grads(y,(x,),gy)
    add(f"maxpool2d/r{k}-{n}x{c}x{h}x{wd}-k{kh}x{kw}-s{s[0]}{s[1]}-p{''.join(map(str,pad))}","maxpool2d",{"kernel":[kh,kw],"stride":s,"pad":pad},dict(x=x,gy=gy),dict(y=y,dx=dx))
for k,(r,bias,alpha,beta,c) in enumerate([(1,2.0,1e-4,0.75,5),(4,1.0,0.001/9,0.75,20),(0,1.0,0.5,0.5,3),(3,0.5,0.1,1.0,4)]):
    x = t32(2,c,3,3,scale=2.0).requires_grad_()
    sq = x*x; s = torch.zeros_like(x)
    for ch in range(c):
        lo,hi = max(0,ch-r),min(c-1,ch+r)
        s[:,ch] = sq[:,lo:hi+1].sum(1)
    y = x/(bias+alpha*s)**beta; gy=t32(*y.shape)
    dx, = grads(y,(x,),gy)
    add(f"lrn/r{k}-c{c}-r{r}","lrn",{"depth_radius":r,"bias":bias,"alpha":alpha,"beta":beta},dict(x=x,gy=gy),dict(y=y,dx=dx))
for (n,kk) in [(1,2),(9,10),(3,1)]:
    lg = t32(n,kk,scale=3.0).requires_grad_(); lab = torch.tensor([rng.randrange(kk) for _ in range(n)],dtype=torch.float64)
    loss = F.cross_entropy(lg, lab.long()); dl, = torch.autograd.grad(loss,(lg,))
    add(f"softmax_cross_entropy/{n}x{kk}","softmax_cross_entropy",{},dict(logits=lg,labels=lab),dict(loss=loss,dlogits=dl))
x = t32(2,3,4,4).requires_grad_(); gy=t32(2,3,4,4); y=F.relu(x); dx,=grads(y,(x,),gy)
add("relu/r","relu",{},dict(x=x,gy=gy),dict(y=y,dx=dx))
def bshape(axis, shape):
    s=[1]*len(shape); s[axis]=shape[axis]; return s
for (shape,axis) in [((7,5),1),((4,3,2,2),0),((1,1),1),((20,9),1)]:
    sig,tau,gt = t32(*shape,scale=0.2),t32(*shape,scale=0.05),t32(*shape)
    v = t32(shape[axis])
    for q in (sig,v,tau): q.requires_grad_()
    th = sig*torch.sigmoid(v).reshape(bshape(axis,shape))+tau
    ds,dv,dt = grads(th,(sig,v,tau),gt)
    nm='x'.join(map(str,shape))
    add(f"apd_compose/{nm}-a{axis}","apd_compose",{"axis":axis},dict(sigma=sig,v=v,tau=tau,gtheta=gt),dict(theta=th,dsigma=ds,dv=dv,dtau=dt))
    ts = t32(*shape,scale=0.2); lam=rng.choice([0.5,100.0,3.0])
    loss = lam*0.5*((sig*torch.sigmoid(v).reshape(bshape(axis,shape))+tau-ts)**2).sum()
    ds,dv,dt = torch.autograd.grad(loss,(sig,v,tau))
    add(f"apd_retroactive/{nm}-a{axis}-l{lam}","apd_retroactive",{"axis":axis,"lambda":lam},dict(sigma=sig,v=v,tau=tau,theta_star=ts),dict(loss=loss,dsigma=ds,dv=dv,dtau=dt),tol=(1e-3,1e-3))
    sp = t32(*shape,scale=0.2)
    loss = lam*0.5*((sig-sp)**2).sum(); ds, = torch.autograd.grad(loss,(sig,))
    add(f"apd_drift/{nm}-l{lam}","apd_drift",{"lambda":lam},dict(sigma=sig,sigma_prev=sp),dict(loss=loss,dsigma=ds),tol=(1e-3,1e-3))
    th_ = rng.choice([0.0,0.01,0.3])
    y = torch.sign(tau)*torch.clamp(tau.abs()-th_,min=0)
    add(f"prox_l1/{nm}-t{th_}","prox_l1",{"threshold":th_},dict(tau=tau.detach()),dict(y=y))
for (n,i,o) in [(1,3,2),(8,33,7)]:
    x,sig,v,tau,b=t32(n,i),t32(i,o,scale=0.2),t32(o),t32(i,o,scale=0.05),t32(o)
    for q in (x,sig,v,tau,b): q.requires_grad_()
    y = x@(sig*torch.sigmoid(v)+tau)+b; gy=t32(n,o)
    g5 = grads(y,(x,sig,v,tau,b),gy)
    add(f"apd_dense/{n}x{i}x{o}","apd_dense",{},dict(x=x,sigma=sig,v=v,tau=tau,b=b,gy=gy),dict(zip(["y","dx","dsigma","dv","dtau","db"],(y,)+g5)))
for k in range(3):
    n=rng.randint(1,2); c=rng.randint(1,3); h=rng.randint(4,9); wd=rng.randint(4,9); o=rng.randint(1,4)
    kh=rng.randint(1,4); kw=rng.randint(1,4); s=[rng.randint(1,2),rng.randint(1,3)]
    pad=[rng.randint(0,kh-1),rng.randint(0,kh-1),rng.randint(0,kw-1),rng.randint(0,kw-1)]
    x,sig,v,tau,b=t32(n,c,h,wd),t32(o,c,kh,kw,scale=0.3),t32(o),t32(o,c,kh,kw,scale=0.05),t32(o)
    for q in (x,sig,v,tau,b): q.requires_grad_()
    w = sig*torch.sigmoid(v).reshape(o,1,1,1)+tau
    y = conv(x,w,b,s,pad); gy=t32(*y.shape)
    g5 = grads(y,(x,sig,v,tau,b),gy)
    add(f"apd_conv2d/r{k}-{n}x{c}x{h}x{wd}-o{o}-k{kh}x{kw}-s{s[0]}{s[1]}","apd_conv2d",{"stride":s,"pad":pad},dict(x=x,sigma=sig,v=v,tau=tau,b=b,gy=gy),dict(zip(["y","dx","dsigma","dv","dtau","db"],(y,)+g5)))
with open(sys.argv[1], "w") as f:
    json.dump({"format": "apd-gradcheck/1", "cases": cases}, f, separators=(",", ":"))
print(len(cases), "cases")
