"""CAM++ speaker embeddings, presented to pyannote.audio as an embedding ``Model``.

The network is CAM++ from the 3D-Speaker project (Apache-2.0,
https://github.com/modelscope/3D-Speaker, speakerlab/models/campplus), rewritten
for inference only; the parameter names match the released checkpoint
``campplus_cn_en_common.pt`` so its weights load unchanged. The pyannote wrapper
adds what pyannote's diarization pipeline needs: Kaldi fbank front end and
statistics pooling weighted by the segmentation model's speaker activations.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import partial

import torch
import torch.nn.functional as F
import torchaudio.compliance.kaldi as kaldi
from pyannote.audio.core.model import Model
from pyannote.audio.models.blocks.pooling import StatsPool
from torch import nn


class _ResBlock(nn.Module):
    def __init__(self, in_planes: int, planes: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=(stride, 1), padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride=(stride, 1), bias=False),
                nn.BatchNorm2d(planes),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(out + self.shortcut(x))


class _FrontConv(nn.Module):
    """2-D convolutional head ("FCM") over the fbank time-frequency plane."""

    def __init__(self, feat_dim: int = 80, channels: int = 32):
        super().__init__()
        self.conv1 = nn.Conv2d(1, channels, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.layer1 = nn.Sequential(_ResBlock(channels, channels, 2), _ResBlock(channels, channels))
        self.layer2 = nn.Sequential(_ResBlock(channels, channels, 2), _ResBlock(channels, channels))
        self.conv2 = nn.Conv2d(channels, channels, 3, stride=(2, 1), padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.out_channels = channels * (feat_dim // 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x.unsqueeze(1))))
        out = self.layer2(self.layer1(out))
        out = F.relu(self.bn2(self.conv2(out)))
        return out.reshape(out.shape[0], out.shape[1] * out.shape[2], out.shape[3])


def _bn_relu(channels: int) -> nn.Sequential:
    return nn.Sequential(OrderedDict(batchnorm=nn.BatchNorm1d(channels), relu=nn.ReLU(inplace=True)))


class _TDNNLayer(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1):
        super().__init__()
        padding = (kernel_size - 1) // 2
        self.linear = nn.Conv1d(in_channels, out_channels, kernel_size, stride, padding, bias=False)
        self.nonlinear = _bn_relu(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.nonlinear(self.linear(x))


class _CAMLayer(nn.Module):
    """Context-aware masking: a local conv gated by segment- and utterance-level context."""

    def __init__(self, bn_channels: int, out_channels: int, kernel_size: int, dilation: int):
        super().__init__()
        padding = (kernel_size - 1) // 2 * dilation
        self.linear_local = nn.Conv1d(
            bn_channels, out_channels, kernel_size, padding=padding, dilation=dilation, bias=False
        )
        self.linear1 = nn.Conv1d(bn_channels, bn_channels // 2, 1)
        self.relu = nn.ReLU(inplace=True)
        self.linear2 = nn.Conv1d(bn_channels // 2, out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        context = x.mean(-1, keepdim=True) + self._segment_pooling(x)
        return self.linear_local(x) * torch.sigmoid(self.linear2(self.relu(self.linear1(context))))

    @staticmethod
    def _segment_pooling(x: torch.Tensor, segment: int = 100) -> torch.Tensor:
        pooled = F.avg_pool1d(x, kernel_size=segment, stride=segment, ceil_mode=True)
        expanded = pooled.unsqueeze(-1).expand(*pooled.shape, segment)
        return expanded.reshape(*pooled.shape[:-1], -1)[..., : x.shape[-1]]


class _DenseTDNNLayer(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, bn_channels: int, kernel_size: int, dilation: int):
        super().__init__()
        self.nonlinear1 = _bn_relu(in_channels)
        self.linear1 = nn.Conv1d(in_channels, bn_channels, 1, bias=False)
        self.nonlinear2 = _bn_relu(bn_channels)
        self.cam_layer = _CAMLayer(bn_channels, out_channels, kernel_size, dilation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.cam_layer(self.nonlinear2(self.linear1(self.nonlinear1(x))))


class _DenseTDNNBlock(nn.ModuleList):
    def __init__(
        self, num_layers: int, in_channels: int, growth: int, bn_channels: int, kernel_size: int, dilation: int
    ):
        super().__init__()
        for i in range(num_layers):
            layer = _DenseTDNNLayer(in_channels + i * growth, growth, bn_channels, kernel_size, dilation)
            self.add_module(f"tdnnd{i + 1}", layer)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self:
            x = torch.cat([x, layer(x)], dim=1)
        return x


class _Transit(nn.Module):
    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.nonlinear = _bn_relu(in_channels)
        self.linear = nn.Conv1d(in_channels, out_channels, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.nonlinear(x))


class _Dense(nn.Module):
    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.linear = nn.Conv1d(in_channels, out_channels, 1, bias=False)
        self.nonlinear = nn.Sequential(OrderedDict(batchnorm=nn.BatchNorm1d(out_channels, affine=False)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.nonlinear(self.linear(x.unsqueeze(-1)).squeeze(-1))


class CAMPPlusNetwork(nn.Module):
    """CAM++ backbone: fbank frames -> frame features; pooled statistics -> embedding."""

    def __init__(self, feat_dim: int = 80, embedding_size: int = 192, growth: int = 32, init_channels: int = 128):
        super().__init__()
        self.head = _FrontConv(feat_dim)
        channels = self.head.out_channels
        self.xvector = nn.Sequential(OrderedDict(tdnn=_TDNNLayer(channels, init_channels, 5, stride=2)))
        channels = init_channels
        for i, (num_layers, kernel_size, dilation) in enumerate([(12, 3, 1), (24, 3, 2), (16, 3, 2)]):
            block = _DenseTDNNBlock(num_layers, channels, growth, 4 * growth, kernel_size, dilation)
            self.xvector.add_module(f"block{i + 1}", block)
            channels += num_layers * growth
            self.xvector.add_module(f"transit{i + 1}", _Transit(channels, channels // 2))
            channels //= 2
        self.xvector.add_module("out_nonlinear", _bn_relu(channels))
        self.xvector.add_module("dense", _Dense(channels * 2, embedding_size))
        self.embedding_size = embedding_size

    def frames(self, fbank: torch.Tensor) -> torch.Tensor:
        """(batch, frames, feat_dim) -> (batch, channels, frames / 2)"""
        x = self.head(fbank.permute(0, 2, 1))
        for name, module in self.xvector.named_children():
            if name != "dense":
                x = module(x)
        return x

    def embed(self, statistics: torch.Tensor) -> torch.Tensor:
        return self.xvector.dense(statistics)


class CamPlusPlus(Model):
    """pyannote.audio embedding ``Model`` around CAM++ (192-dim, 16 kHz)."""

    def __init__(
        self,
        sample_rate: int = 16000,
        num_channels: int = 1,
        num_mel_bins: int = 80,
        embedding_size: int = 192,
        task=None,
    ):
        super().__init__(sample_rate=sample_rate, num_channels=num_channels, task=task)
        self.save_hyperparameters("sample_rate", "num_channels", "num_mel_bins", "embedding_size")
        self.campplus = CAMPPlusNetwork(num_mel_bins, embedding_size)
        self.pooling = StatsPool()
        self._fbank = partial(kaldi.fbank, num_mel_bins=num_mel_bins, sample_frequency=sample_rate, dither=0.0)

    @property
    def dimension(self) -> int:
        return self.hparams.embedding_size

    def compute_fbank(self, waveforms: torch.Tensor) -> torch.Tensor:
        """(batch, 1, samples) -> mean-normalised log-mel fbank (batch, frames, mels)"""
        features = torch.vmap(self._fbank)(waveforms)
        return features - features.mean(dim=1, keepdim=True)

    def forward(self, waveforms: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        # pyannote asks for one embedding per (chunk, local speaker): the same chunk comes
        # in consecutive rows with different weights, so its frames are computed once.
        distinct, row_of = _consecutive_distinct(waveforms)
        frames = self.campplus.frames(self.compute_fbank(distinct))[row_of]
        statistics = self.pooling(frames, weights=weights)
        if statistics.dim() == 3:  # (batch, speakers, 2 * channels)
            batch, speakers, size = statistics.shape
            embeddings = self.campplus.embed(statistics.reshape(batch * speakers, size))
            return embeddings.reshape(batch, speakers, -1)
        return self.campplus.embed(statistics)


def _consecutive_distinct(waveforms: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows that differ from the previous one, and for each row the index of its distinct row."""
    if len(waveforms) < 2:
        return waveforms, torch.arange(len(waveforms), device=waveforms.device)
    repeats = torch.all((waveforms[1:] == waveforms[:-1]).flatten(1), dim=1)
    starts = torch.cat([torch.ones(1, dtype=torch.bool, device=waveforms.device), ~repeats])
    return waveforms[starts], torch.cumsum(starts, 0) - 1
