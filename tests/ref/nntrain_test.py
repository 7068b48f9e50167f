"""nntrain_test.py - the PyTorch twins of the test-only table entries that
tests/nn/test_entries.c registers (their "torch" strings name them as nntrain_test.X):
scripts/torch-reference.py computes their reference rows with these, as it does the
built-in entries' with torch.nn and torch.optim."""
import torch


class Center(torch.nn.Module):
    """y = x - mean + bias; mean: the batch mean of each unit in train mode (the running
    mean moves by momentum, num_batches_tracked counts), the running mean in eval mode."""

    def __init__(self, width, momentum=0.1):
        super().__init__()
        self.momentum = momentum
        self.bias = torch.nn.Parameter(torch.zeros(width))
        self.register_buffer("running_mean", torch.zeros(width))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

    def forward(self, x):
        if self.training:
            mean = x.mean(0)
            with torch.no_grad():
                self.running_mean.mul_(1 - self.momentum).add_(mean.detach() * self.momentum)
                self.num_batches_tracked += 1
        else:
            mean = self.running_mean
        return x - mean + self.bias


class Signum(torch.optim.Optimizer):
    """signSGD with momentum and decoupled weight decay:
    m = beta m + (1 - beta) g;  p = p (1 - lr wd) - lr sign(m)."""

    def __init__(self, params, lr, beta=0.9, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, beta=beta, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = torch.zeros_like(p)
                m = state["momentum_buffer"]
                m.mul_(group["beta"]).add_(p.grad, alpha=1 - group["beta"])
                p.mul_(1 - group["lr"] * group["weight_decay"])
                p.add_(torch.sign(m), alpha=-group["lr"])
