"""Detector training, ONNX export and int8 quantisation.

Needs the ``train`` extra (PyTorch). Runtime code never imports this package; the
runtime reads only the ONNX files these modules write.
"""
