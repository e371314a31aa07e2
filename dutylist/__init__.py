"""乡镇履职事项清单修订系统: the application package (the factory is dutylist.app.create_app).

Kept empty so that importing one of its plain modules (dutylist.items, say) loads nothing else.
"""
