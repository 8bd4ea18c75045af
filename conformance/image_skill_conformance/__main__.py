from image_skill_conformance.main import run

run()
