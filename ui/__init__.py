"""Staff chat UI (Gradio), mounted at /ui by ``rag.api.create_app``."""
